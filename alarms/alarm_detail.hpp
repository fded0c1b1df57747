#pragma once
// GET /api/alarms/{id}'s body: the alarm, the events that triggered it and its own alarm.*
// steps, read from the trail by seq (the primary key) on a reader connection. Blocking SQLite:
// a console worker only.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "alarms/alarm_book.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::alarms {

// {"alarm": ..., "events": [rows of the triggering events], "history": [rows of alarm.* events]},
// each row as GET /api/events answers it: {seq, time_us, type, source, subject, payload, hash}.
core::Result<nlohmann::json> alarmDetail(core::Database& db, const Alarm& alarm,
                                         const std::vector<std::uint64_t>& historySeqs);

}  // namespace sekimori::alarms
