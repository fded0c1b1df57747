#pragma once
// Times of the reports: the `from` and `to` of a query string, and how a report writes a time
// (in the site's zone, with its offset, as the console does: there is no tz database).
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace sekimori::core {

// "1764633600000000" (microseconds since the epoch), "2026-12-01" (the site's local midnight),
// "2026-12-01T09:30" / "2026-12-01T09:30:15" (site local), or either with "Z" or "+09:00".
// nullopt for anything else.
std::optional<core::TimeUs> parseReportTime(std::string_view text, int utcOffsetMinutes);

// "2026-12-01 09:30:15 +09:00".
std::string formatSiteTime(core::TimeUs timeUs, int utcOffsetMinutes);
// "UTC+09:00".
std::string zoneName(int utcOffsetMinutes);

// Local wall clock of `timeUs`: hour 0..23 and weekday 0 = Sunday .. 6 = Saturday.
struct LocalClock {
    int hour = 0;
    int weekday = 0;
};
LocalClock localClock(core::TimeUs timeUs, int utcOffsetMinutes);

}  // namespace sekimori::core
