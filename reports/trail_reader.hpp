#pragma once
// The reports' reads of the audited trail (audit_events, docs/audit.md): prepared SELECTs over a
// time range and a set of types, on a connection the caller owns (the service opens its own
// read-only one per request, on the console's worker). Blocking. A trail not created yet reads
// as empty.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::reports {

struct TrailEvent {
    std::uint64_t seq = 0;
    core::TimeUs timeUs = 0;
    std::string type;
    std::string source;
    std::string subject;
    nlohmann::json payload = nlohmann::json::object();  // an object; {} when not JSON
};

struct TrailQuery {
    core::TimeUs fromUs = 0;  // time_us >= fromUs
    core::TimeUs toUs = 0;    // time_us < toUs
    // Exact types, and prefixes (an entry ending in '.'); empty: every type.
    std::vector<std::string> types;
    std::string sourcePrefix;  // also admits an event whose source starts with it (operator:)
    std::size_t limit = 10'000;
};

struct TrailSlice {
    std::vector<TrailEvent> events;  // oldest first
    bool truncated = false;          // more matched than `limit`
};

core::Result<TrailSlice> readTrail(core::Database& db, const TrailQuery& query);

// The newest event of one of `types` (exact names) in the whole trail.
core::Result<std::optional<TrailEvent>> newestOf(core::Database& db,
                                                 const std::vector<std::string>& types);

// The seq of the newest event, 0 for an empty trail.
core::Result<std::uint64_t> trailSize(core::Database& db);

}  // namespace sekimori::reports
