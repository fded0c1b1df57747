#pragma once
// Alarms survive a restart: the book is rebuilt from the audit trail (every alarm.* event in
// seq order, each carrying its alarm as it was after the step), never from a table an
// administrator could edit. Blocking SQLite: call it before the io thread runs, or off it.
#include <cstdint>
#include <string>
#include <vector>

#include "alarms/alarm_book.hpp"
#include "core/alarm_rule.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::alarms {

struct Replayed {
    AlarmBook book;
    // The trail's newest seq when it was read: the book holds every alarm step up to it, and
    // the service ignores bus deliveries up to it (already read, or handed on at start).
    std::uint64_t throughSeq = 0;
    // alarm.* events the fold could not read (a trail audit verify would refuse); skipped.
    std::size_t unreadable = 0;
    std::string firstProblem;
};

// An empty book when the trail does not exist yet (a fresh database).
core::Result<Replayed> replayAlarms(core::Database& db);

// The rules' events recorded after the newest one any alarm links (the daemon stopped between
// a door.forced and its alarm.raised): handed to the service again at start, so no trigger is
// lost. Nothing when no alarm links an event yet: a site that starts its alarms on an old trail
// does not raise alarms for its past.
core::Result<std::vector<core::RecordedEvent>> unhandledTriggers(core::Database& db,
                                                                 const Replayed& replayed,
                                                                 const core::AlarmRuleBook& rules);

}  // namespace sekimori::alarms
