#pragma once
// Which power events become alarms (docs/events.md, section Power): declared as data for the
// alarms service, which the power domain never includes; the daemon's power wiring adds them to
// its core::AlarmRuleBook. Every alarm's source is "power:<feed, switch, generator or UPS id>".
#include <vector>

#include "core/alarm_rule.hpp"

namespace sekimori::power {

std::vector<core::AlarmRule> powerAlarmRules();

}  // namespace sekimori::power
