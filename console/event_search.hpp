#pragma once
// Event search over the whole trail for GET /api/events and GET /api/events.csv: the filters
// of the query string, checked whole (an unknown parameter or a bad value is a 400 naming it),
// and one prepared SELECT that applies them together with the role's visibility. Blocking: run
// searchEvents through the DbWorker (or on the pool with the stream's own connection).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

inline constexpr int kMaxEventPage = 500;
inline constexpr int kDefaultEventPage = 100;

struct EventFilter {
    std::optional<core::TimeUs> fromUs;  // time_us >= from_us
    std::optional<core::TimeUs> toUs;    // time_us < to_us
    // Exact types, and prefixes (an entry ending in '.'): an event matches any one of them.
    std::vector<std::string> types;
    std::string source;   // exact
    std::string subject;  // exact
    std::string door;     // payload.door
    std::string zone;     // payload.zone, payload.from_zone or payload.to_zone
    std::string person;   // subject or payload.person
    std::string result;   // payload.decision: "granted" or "denied"
    std::string reason;   // payload.reason
    // Paging: before_seq (newest first, the default) or after_seq (oldest first, catching up).
    std::optional<std::uint64_t> beforeSeq;
    std::optional<std::uint64_t> afterSeq;
    int limit = kDefaultEventPage;

    bool oldestFirst() const { return afterSeq.has_value(); }
    // The filter as the query parameters it came from (for console.events_exported).
    nlohmann::json toJson() const;
};

struct FilterError {
    std::string code;  // bad_filter, unknown_parameter, bad_limit
    std::string message;
};

// From the decoded query string. `paged`: limit is accepted (the JSON search); the CSV export
// has none (it streams every match up to its own maximum).
std::variant<EventFilter, FilterError> parseEventFilter(
    const std::map<std::string, std::string>& query, bool paged);

struct EventPage {
    nlohmann::json events = nlohmann::json::array();  // rows as eventJson() shapes them
    // The seq to pass as before_seq (or after_seq) for the next page; none when this was the
    // last one.
    std::optional<std::uint64_t> next;
};

// One page of events matching `filter` whose type starts with one of `visiblePrefixes` (none:
// an empty page). A trail not created yet reads as empty.
core::Result<EventPage> searchEvents(core::Database& db, const EventFilter& filter,
                                     const std::vector<std::string>& visiblePrefixes);

}  // namespace sekimori::console
