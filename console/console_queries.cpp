#include "console/console_queries.hpp"

#include <functional>
#include <map>
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

// Runs `sql` (one ?1 for the limit) on `table` and maps each row; a table that does not exist
// yet (a fresh database) reads as empty rather than as an error.
core::Result<nlohmann::json> selectRows(
    core::Database& db, const char* table, std::string_view sql, int limit,
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

core::Result<nlohmann::json> recentEvents(core::Database& db, int limit) {
    return selectRows(db, "audit_events",
                      "SELECT seq, time_us, type, source, subject, payload, hash FROM audit_events"
                      " ORDER BY seq DESC LIMIT ?1",
                      limit, [](const core::Statement& st) {
                          return nlohmann::json{{"seq", st.columnInt(0)},
                                                {"time_us", st.columnInt(1)},
                                                {"type", st.columnText(2)},
                                                {"source", st.columnText(3)},
                                                {"subject", st.columnText(4)},
                                                {"payload", payloadObject(st.columnText(5))},
                                                {"hash", core::toHex(st.columnBlob(6))}};
                      });
}

core::Result<nlohmann::json> auditCheckpoints(core::Database& db, int limit) {
    return selectRows(db, "audit_checkpoints",
                      "SELECT tree_size, head_hash, time_us, signature FROM audit_checkpoints"
                      " ORDER BY tree_size DESC LIMIT ?1",
                      limit, [](const core::Statement& st) {
                          return nlohmann::json{{"tree_size", st.columnInt(0)},
                                                {"head_hash", core::toHex(st.columnBlob(1))},
                                                {"time_us", st.columnInt(2)},
                                                {"signature", core::toHex(st.columnBlob(3))}};
                      });
}

core::Result<nlohmann::json> peopleList(core::Database& db, int limit) {
    nlohmann::json people = nlohmann::json::array();
    auto exists = tableExists(db, "door_people");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return nlohmann::json{{"people", std::move(people)}};
    }
    // Only the columns an enroller needs; PINs and templates live in other tables, never read.
    auto st = db.prepare("SELECT id, name, active FROM door_people ORDER BY id LIMIT ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, std::int64_t{limit});
    std::map<std::string, std::size_t> index;
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        index[st->columnText(0)] = people.size();
        people.push_back({{"id", st->columnText(0)},
                          {"name", st->columnText(1)},
                          {"active", st->columnInt(2) != 0},
                          {"cards", nlohmann::json::array()}});
    }
    auto cardsExist = tableExists(db, "door_cards");
    if (!cardsExist) {
        return cardsExist.error();
    }
    if (*cardsExist) {
        auto cards = db.prepare("SELECT uid, person, state FROM door_cards ORDER BY person, uid");
        if (!cards) {
            return cards.error();
        }
        for (;;) {
            auto row = cards->step();
            if (!row) {
                return row.error();
            }
            if (!*row) {
                break;
            }
            auto it = index.find(cards->columnText(1));
            if (it != index.end()) {
                people[it->second]["cards"].push_back(
                    {{"uid", cards->columnText(0)}, {"state", cards->columnText(2)}});
            }
        }
    }
    return nlohmann::json{{"people", std::move(people)}};
}

}  // namespace sekimori::console
