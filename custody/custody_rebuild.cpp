#include "custody/custody_rebuild.hpp"

#include <nlohmann/json.hpp>

namespace sekimori::custody {

core::Result<RebuiltCustody> rebuildCustody(core::Database& db) {
    RebuiltCustody out;
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
        return out;
    }
    // The trail's end first: rows after it reach the service on the bus (seq newer than it).
    auto last = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    if (!last) {
        return last.error();
    }
    if (auto r = last->step(); !r) {
        return r.error();
    }
    out.lastSeq = static_cast<std::uint64_t>(last->columnInt(0));
    auto st = db.prepare(
        "SELECT seq, time_us, type, payload FROM audit_events WHERE seq <= ?1 AND"
        " (type LIKE 'custody.%' OR type IN ('presence.entered', 'presence.left')) ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, static_cast<std::int64_t>(out.lastSeq));
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const auto payload =
            nlohmann::json::parse(st->columnText(3), nullptr, /*allow_exceptions=*/false);
        out.state.apply(st->columnText(2), payload, st->columnInt(1));
    }
    return out;
}

}  // namespace sekimori::custody
