#pragma once
// core's part of the site configuration as plain data: [site], [daemon], [[zones]] and
// [[schedules]], what loadSiteConfig (core/site_config.hpp) hands the daemon after the whole file
// has been checked. Every other key belongs to a domain's ConfigSection (core/config_section.hpp),
// which keeps its own model. Every key is documented in docs/config.md; the field names follow
// the TOML keys (start = "08:00" -> startMinute).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"

namespace sekimori::core {

struct SiteInfo {
    std::string id;
    std::string name;
    int utcOffsetMinutes = 0;  // local time = UTC + offset; Japan is 540 (no tz database)
};

// Relative paths in [daemon] are already resolved (see base_dir in docs/config.md), so every
// path here is absolute.
struct DaemonConfig {
    std::filesystem::path baseDir;
    std::filesystem::path dataDir;  // SQLite database and audit checkpoint file
    std::filesystem::path keyDir;   // key files (0600), never in the database
    std::string mqttUri;            // tcp://host:port or ssl://host:port
    std::string mqttUser;
    std::filesystem::path mqttPasswordFile;
    std::string consoleListen;  // "127.0.0.1:8443" as written
    std::string consoleHost;    // host part of console_listen (brackets of IPv6 removed)
    std::uint16_t consolePort = 0;
    std::filesystem::path consoleCert;
    std::filesystem::path consoleKey;
    std::filesystem::path consoleWebRoot;
    LogLevel logLevel = LogLevel::info;
};

// Ordered from the outside in; a zone's parent is always of an earlier kind, except that an
// `area` may also sit inside another area.
enum class ZoneKind { site, building, floor, managementArea, handlingArea, area };

// Plan coordinates and sizes are 0..kMaxPlanCoordinate in the floor's own unit.
inline constexpr double kMaxPlanCoordinate = 100'000;

// Where a zone is drawn on its floor's plan, in the floor's plan units (docs/config.md, `plan`).
struct PlanRect {
    double x = 0;
    double y = 0;
    double w = 0;
    double h = 0;
};

struct ZoneConfig {
    std::string id;
    std::string name;
    std::string parent;  // empty only for the single site root
    ZoneKind kind = ZoneKind::area;
    // A floor: the size of its plan (x, y = 0; w, h the drawing's extent). A zone inside a
    // floor: its rectangle on that floor's plan. Absent: not drawn.
    std::optional<PlanRect> plan;
};

enum class Weekday { mon, tue, wed, thu, fri, sat, sun };

// Half-open [start, end) in minutes after local midnight; end may be 1440 ("24:00").
struct ScheduleWindow {
    std::vector<Weekday> days;
    int startMinute = 0;
    int endMinute = 0;
};

struct ScheduleConfig {
    std::string id;
    std::string name;
    std::vector<ScheduleWindow> windows;
    // On holidays and closures: "ignore" (an ordinary day), "closed" or "only" (policy/schedule).
    std::string holidays = "ignore";
};

// A run of days the site is closed (年末年始), inclusive; dates as written, "YYYY-MM-DD".
struct ClosureConfig {
    std::string name;
    std::string from;
    std::string to;  // equals `from` for a single day
};

// [calendar]: the national holiday list (policy/data/syukujitsu.csv, docs/holidays.md) and
// the site's own closures. Absent: no calendar, and no schedule may use a holiday rule.
struct CalendarConfig {
    std::filesystem::path holidaysFile;
    std::vector<ClosureConfig> closures;
};

struct SiteConfig {
    std::string sourceName;  // the file (or name) it was loaded from
    SiteInfo site;
    DaemonConfig daemon;
    std::vector<ZoneConfig> zones;
    std::vector<ScheduleConfig> schedules;
    std::optional<CalendarConfig> calendar;
};

// The TOML spelling of each enumerator ("management_area", "mon").
std::string_view zoneKindName(ZoneKind kind);
std::string_view weekdayName(Weekday day);

// Look-ups by id; nullptr when absent.
const ZoneConfig* findZone(const SiteConfig& config, std::string_view id);
const ScheduleConfig* findSchedule(const SiteConfig& config, std::string_view id);
// The floor a zone is drawn on: the zone itself when it is a floor, else its nearest ancestor
// of kind floor; nullptr when it lies on no floor (a site, a building, an area outside any
// floor), when the id is unknown, or when its parents form a cycle.
const ZoneConfig* floorOf(const SiteConfig& config, std::string_view zoneId);

}  // namespace sekimori::core
