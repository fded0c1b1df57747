#pragma once
// The alarm's JSON (docs/alarms.md): what the routes answer and what every alarm.* event
// carries as "alarm", so the fold can rebuild the alarm from the trail alone.
#include <nlohmann/json.hpp>

#include "alarms/alarm_book.hpp"
#include "core/result.hpp"

namespace sekimori::alarms {

nlohmann::json alarmJson(const Alarm& alarm);
// The inverse; an error (kAlarmBadEvent) naming the first field missing or of the wrong type.
core::Result<Alarm> alarmFromJson(const nlohmann::json& json);

}  // namespace sekimori::alarms
