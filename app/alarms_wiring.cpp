#include "app/alarms_wiring.hpp"

#include "alarms/alarms_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeAlarmsService(const DaemonParts& parts,
                                                               const alarms::AlarmsConfig& config) {
    return std::unique_ptr<core::Service>(
        std::make_unique<alarms::AlarmsService>(alarms::AlarmsServiceParts{
            parts.executor, parts.recorder, parts.bus, parts.clock, parts.alarmRules,
            parts.paths.database.string(), config, parts.site.daemon.baseDir / "alarms" / "web"}));
}

}  // namespace sekimori::app
