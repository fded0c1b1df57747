#pragma once
// Read-only queries the console answers from tables other components own (audit, doors). Each
// returns an empty list when the owning component has not created its tables yet.
#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

core::Result<bool> tableExists(core::Database& db, const char* table);
// Newest first: [{seq,time_us,type,source,subject,payload,hash}].
core::Result<nlohmann::json> recentEvents(core::Database& db, int limit);
// Newest first: [{tree_size,head_hash,time_us,signature}] (hex).
core::Result<nlohmann::json> auditCheckpoints(core::Database& db, int limit);
// {people: [{id, name, active, cards: [{uid, state}]}]} from the doors credential tables;
// never a PIN or template column.
core::Result<nlohmann::json> peopleList(core::Database& db, int limit);

}  // namespace sekimori::console
