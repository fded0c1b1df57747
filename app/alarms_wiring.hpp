#pragma once
// The alarms' wiring: builds alarms::AlarmsService from the daemon's shared parts, the rules the
// domains listed before it declared (DaemonParts::alarmRules) and the checked [alarms] section.
#include <memory>

#include "alarms/alarm_config.hpp"
#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"

namespace sekimori::app {

// The factory app/domains.cpp lists for "alarms", after every domain that declares rules. The
// plugin's files are served from <daemon.base_dir>/alarms/web, beside console/web.
core::Result<std::unique_ptr<core::Service>> makeAlarmsService(const DaemonParts& parts,
                                                               const alarms::AlarmsConfig& config);

}  // namespace sekimori::app
