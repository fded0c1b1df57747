#include "doors/people_query.hpp"

#include <map>
#include <string>

namespace sekimori::doors {
namespace {

core::Result<bool> tableExists(core::Database& db, std::string_view table) {
    auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, table);
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return *row;
}

}  // namespace

core::Result<nlohmann::json> peopleList(core::Database& db, int limit) {
    nlohmann::json people = nlohmann::json::array();
    auto exists = tableExists(db, "door_people");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return nlohmann::json{{"people", std::move(people)}};
    }
    // One read transaction, so people and their cards are seen at one point in time.
    if (auto begin = db.exec("BEGIN"); !begin) {
        return begin.error();
    }
    const auto finish = [&db](core::Result<nlohmann::json> result) {
        (void)db.exec("COMMIT");
        return result;
    };
    // Only the columns an enroller needs; PINs and templates live in other tables, never read.
    auto st = db.prepare("SELECT id, name, active FROM door_people ORDER BY id LIMIT ?1");
    if (!st) {
        return finish(st.error());
    }
    st->bind(1, std::int64_t{limit});
    std::map<std::string, std::size_t> index;
    for (;;) {
        auto row = st->step();
        if (!row) {
            return finish(row.error());
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
    auto cards = db.prepare("SELECT uid, person, state FROM door_cards ORDER BY person, uid");
    if (!cards) {
        return finish(cards.error());
    }
    for (;;) {
        auto row = cards->step();
        if (!row) {
            return finish(row.error());
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
    return finish(nlohmann::json{{"people", std::move(people)}});
}

}  // namespace sekimori::doors
