#pragma once
// The enrolled people as the console and the CLI read them, from the doors credential tables
// and the trail; never a PIN, keypad code or template column (only whether one is enrolled).
// Blocking SQLite: a console worker thread on a read-only connection, never the io thread.
//   peopleList  GET /api/people?query=&limit=   who matches, with their cards
//   personPage  GET /api/people/{id}            one person's page (doors/person_routes)
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::doors {

inline constexpr int kDefaultPeopleLimit = 100;
inline constexpr int kMaxPeopleLimit = 1000;
inline constexpr std::size_t kMaxPeopleQueryBytes = 100;
// The person page reads a person's events from the newest this many of the trail (the trail
// has no index by subject, by the audit schema contract): older history is not shown, and the
// page says from which seq it looked ("events_from_seq").
inline constexpr std::int64_t kPersonEventWindow = 200'000;
inline constexpr int kPersonRecentEvents = 20;

// {"people": [{"id","name","active",cards:[{"uid","state"}]}, ...]} by id, at most `limit`
// people whose id starts with `query` or whose name contains it (case-insensitive for ASCII;
// empty: everyone); an empty list before the doors tables exist.
core::Result<nlohmann::json> peopleList(core::Database& db, int limit, std::string_view query = {});

// Which event types the caller may see on the page (the doors service's event visibility).
using EventTypeVisible = std::function<bool(std::string_view type)>;

// {"person": {...}} (docs/openapi.yaml PersonPage): details, enrolled factors as booleans,
// cards with their history, direct grants, levels (own and through groups), groups, photo URL,
// recent events; nullopt when no such person.
core::Result<std::optional<nlohmann::json>> personPage(core::Database& db, const std::string& id,
                                                       const EventTypeVisible& visible);

}  // namespace sekimori::doors
