#pragma once
// Which doors events become alarms (docs/alarms.md, "Doors' rules"): declared as data for the
// alarms service, which the doors domain never includes. app/door_wiring.cpp adds them to the
// daemon's core::AlarmRuleBook.
#include <vector>

#include "core/alarm_rule.hpp"

namespace sekimori::doors {

std::vector<core::AlarmRule> doorAlarmRules();

}  // namespace sekimori::doors
