#pragma once
// Read-only queries the console answers from the audit tables (core owns them); the event
// search is event_search.hpp. Each returns an empty list when the tables do not exist yet.
// Blocking: run them through the DbWorker.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

core::Result<bool> tableExists(core::Database& db, const char* table);
// The newest seq in the trail; 0 when it is empty or not created yet.
core::Result<std::uint64_t> newestSeq(core::Database& db);
// Newest first: [{tree_size,head_hash,time_us,signature}] (hex).
core::Result<nlohmann::json> auditCheckpoints(core::Database& db, int limit);

}  // namespace sekimori::console
