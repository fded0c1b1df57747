#include "console/console_queries.hpp"

#include <functional>
#include <string>

#include "console/event_json.hpp"
#include "core/crypto.hpp"

namespace sekimori::console {

core::Result<bool> tableExists(core::Database& db, const char* table) {
    auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, std::string_view(table));
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return *row;
}

namespace {

// Runs `sql` (?1 the limit, bindMore binds the rest) on `table` and maps each row; a table that
// does not exist yet (a fresh database) reads as empty rather than as an error.
core::Result<nlohmann::json> selectRows(
    core::Database& db, const char* table, std::string_view sql, int limit,
    const std::function<void(core::Statement&)>& bindMore,
    const std::function<nlohmann::json(const core::Statement&)>& toJson) {
    auto exists = tableExists(db, table);
    if (!exists) {
        return exists.error();
    }
    nlohmann::json out = nlohmann::json::array();
    if (!*exists) {
        return out;
    }
    auto st = db.prepare(sql);
    if (!st) {
        return st.error();
    }
    st->bind(1, std::int64_t{limit});
    bindMore(*st);
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return out;
        }
        out.push_back(toJson(*st));
    }
}

}  // namespace

core::Result<std::uint64_t> newestSeq(core::Database& db) {
    auto exists = tableExists(db, "audit_events");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return std::uint64_t{0};
    }
    auto st = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    if (!st) {
        return st.error();
    }
    if (auto row = st->step(); !row) {
        return row.error();
    }
    return static_cast<std::uint64_t>(st->columnInt(0));
}

core::Result<nlohmann::json> auditCheckpoints(core::Database& db, int limit) {
    return selectRows(
        db, "audit_checkpoints",
        "SELECT tree_size, head_hash, time_us, signature FROM audit_checkpoints"
        " ORDER BY tree_size DESC LIMIT ?1",
        limit, [](core::Statement&) {},
        [](const core::Statement& st) {
            return nlohmann::json{{"tree_size", st.columnInt(0)},
                                  {"head_hash", core::toHex(st.columnBlob(1))},
                                  {"time_us", st.columnInt(2)},
                                  {"signature", core::toHex(st.columnBlob(3))}};
        });
}

}  // namespace sekimori::console
