#pragma once
// The enrolled people and their cards as the console lists them (GET /api/people), read from
// the doors credential tables; never a PIN or template column. Blocking SQLite: a console
// worker thread on a read-only connection, never the io thread.
#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::doors {

inline constexpr int kDefaultPeopleLimit = 100;
inline constexpr int kMaxPeopleLimit = 1000;

// {"people": [{"id","name","active",cards:[{"uid","state"}]}, ...]} by id, at most `limit`
// people; an empty list before the doors tables exist.
core::Result<nlohmann::json> peopleList(core::Database& db, int limit);

}  // namespace sekimori::doors
