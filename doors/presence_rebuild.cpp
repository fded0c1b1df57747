#include "doors/presence_rebuild.hpp"

#include "doors/door_event_types.hpp"

namespace sekimori::doors {

core::Result<bool> hasAuditTrail(core::Database& db) {
    auto exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!exists) {
        return exists.error();
    }
    exists->bind(1, std::string_view("audit_events"));
    return exists->step();
}

core::Result<std::map<std::string, std::uint64_t>> lastJournalSeqs(core::Database& db) {
    std::map<std::string, std::uint64_t> last;
    auto found = hasAuditTrail(db);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return last;
    }
    auto st = db.prepare(
        "SELECT json_extract(payload, '$.panel'), max(json_extract(payload, '$.panel_seq'))"
        " FROM audit_events WHERE json_valid(payload)"
        " AND json_type(payload, '$.panel_seq') = 'integer'"
        " AND json_type(payload, '$.panel') = 'text' GROUP BY 1");
    if (!st) {
        return st.error();
    }
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return last;
        }
        last[st->columnText(0)] = static_cast<std::uint64_t>(st->columnInt(1));
    }
}

core::Result<Presence> rebuildPresence(core::Database& db) {
    Presence presence;
    auto found = hasAuditTrail(db);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return presence;
    }
    auto st = db.prepare(
        "SELECT time_us, type, payload FROM audit_events WHERE type IN (?1, ?2) ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, kPresenceEntered.name).bind(2, kPresenceLeft.name);
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return presence;
        }
        const auto payload =
            nlohmann::json::parse(st->columnText(2), nullptr, /*allow_exceptions=*/false);
        presence.replay(st->columnText(1), payload, st->columnInt(0));
    }
}

}  // namespace sekimori::doors
