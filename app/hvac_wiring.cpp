#include "app/hvac_wiring.hpp"

#include "hvac/hvac_event_types.hpp"
#include "hvac/hvac_service.hpp"

namespace sekimori::app {

namespace {

// One alarm on hvac:<payload.watch>, raised by `raise` and cleared by `clear`.
std::vector<core::AlarmRule> alarm(core::EventType raise, int priority, core::EventType clear) {
    core::AlarmRule raised;
    raised.eventType = std::string(raise.name);
    raised.alarmType = raised.eventType;
    raised.priority = priority;
    raised.sourceKind = "hvac";
    raised.sourceField = "watch";
    core::AlarmRule cleared = raised;
    cleared.eventType = std::string(clear.name);
    cleared.action = core::AlarmAction::clear;
    return {raised, cleared};
}

}  // namespace

core::Result<std::unique_ptr<core::Service>> makeHvacService(const DaemonParts& parts,
                                                             const hvac::HvacConfig& config) {
    using namespace hvac;
    // Runs on every site, as custody does: without CRAC units or sensors it polls nothing, its
    // page says so, and its catalogue (the hvac.* event labels) is still the console's.
    std::vector<core::AlarmRule> rules;
    for (auto&& part : {alarm(kHvacLeakDetected, 1, kHvacLeakCleared),
                        alarm(kHvacEnvelopeExceeded, 2, kHvacEnvelopeRestored),
                        alarm(kHvacDewPointExceeded, 2, kHvacDewPointRestored),
                        alarm(kHvacRateExceeded, 2, kHvacRateNormal),
                        alarm(kHvacCracStopped, 2, kHvacCracRunning),
                        alarm(kHvacCracAlarm, 2, kHvacCracAlarmCleared)}) {
        rules.insert(rules.end(), part.begin(), part.end());
    }
    if (auto r = parts.alarmRules.add(rules); !r) {
        return r.error();
    }
    auto devices = hvacDeviceSpecs(config, parts.modbusDevices);
    if (!devices) {
        return devices.error();
    }
    auto service = HvacService::create(HvacServiceParts{
        parts.executor, parts.recorder, parts.bus, parts.clock, config, std::move(*devices),
        (parts.paths.database.parent_path() / "telemetry-hvac.sqlite").string(),
        parts.site.daemon.baseDir / "hvac" / "web"});
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
