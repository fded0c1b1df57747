#include "doors/presence_rebuild.hpp"

#include "doors/door_event_types.hpp"

namespace sekimori::doors {

core::Result<Presence> rebuildPresence(core::Database& db) {
    Presence presence;
    auto exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!exists) {
        return exists.error();
    }
    exists->bind(1, std::string_view("audit_events"));
    auto found = exists->step();
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
