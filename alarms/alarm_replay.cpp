#include "alarms/alarm_replay.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace sekimori::alarms {
namespace {

core::Result<bool> trailExists(core::Database& db) {
    auto exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!exists) {
        return exists.error();
    }
    exists->bind(1, std::string_view("audit_events"));
    return exists->step();
}

core::RecordedEvent rowEvent(const core::Statement& st) {
    core::RecordedEvent e;
    e.seq = static_cast<std::uint64_t>(st.columnInt(0));
    e.event.timeUs = st.columnInt(1);
    e.event.type = st.columnText(2);
    e.event.source = st.columnText(3);
    e.event.subject = st.columnText(4);
    e.event.payload = st.columnText(5);
    return e;
}

}  // namespace

core::Result<Replayed> replayAlarms(core::Database& db) {
    Replayed out;
    auto exists = trailExists(db);
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return out;
    }
    // The newest seq first: what is committed while the steps are read is left to the bus.
    auto newest = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    if (!newest) {
        return newest.error();
    }
    if (auto row = newest->step(); !row) {
        return row.error();
    }
    out.throughSeq = static_cast<std::uint64_t>(newest->columnInt(0));
    // '/' follows '.' in ASCII: the range is every type starting with "alarm.".
    auto st = db.prepare(
        "SELECT seq, time_us, type, source, subject, payload FROM audit_events"
        " WHERE seq <= ?1 AND type >= 'alarm.' AND type < 'alarm/' ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, static_cast<std::int64_t>(out.throughSeq));
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return out;
        }
        if (auto r = apply(out.book, rowEvent(*st)); !r) {
            if (out.unreadable++ == 0) {
                out.firstProblem = r.error().message;
            }
        }
    }
}

core::Result<std::vector<core::RecordedEvent>> unhandledTriggers(core::Database& db,
                                                                 const Replayed& replayed,
                                                                 const core::AlarmRuleBook& rules) {
    std::vector<core::RecordedEvent> out;
    std::uint64_t newestLinked = 0;
    for (const auto& [id, alarm] : replayed.book.alarms) {
        if (!alarm.eventSeqs.empty()) {
            newestLinked = std::max(newestLinked, alarm.eventSeqs.back());
        }
    }
    if (newestLinked == 0) {
        return out;
    }
    std::set<std::string, std::less<>> types;
    for (const auto& rule : rules.rules()) {
        types.insert(rule.eventType);
    }
    auto st = db.prepare(
        "SELECT seq, time_us, type, source, subject, payload FROM audit_events"
        " WHERE seq > ?1 AND seq <= ?2 ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, static_cast<std::int64_t>(newestLinked))
        .bind(2, static_cast<std::int64_t>(replayed.throughSeq));
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return out;
        }
        if (types.count(st->columnText(2)) == 0) {
            continue;
        }
        auto event = rowEvent(*st);
        auto body = nlohmann::json::parse(event.event.payload, nullptr, false);
        if (body.is_object()) {
            event.body = std::make_shared<const nlohmann::json>(std::move(body));
        }
        out.push_back(std::move(event));
    }
}

}  // namespace sekimori::alarms
