#pragma once
// A calendar date (proleptic Gregorian) and the day arithmetic holidays and schedules need.
// Day numbers count from 1970-01-01 = 0, so a local day is floor(local minutes / 1440).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekimori::policy {

struct CivilDate {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31

    friend constexpr auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

bool isValidDate(const CivilDate& date);
int daysInMonth(int year, int month);

// Days since 1970-01-01 and back (H. Hinnant's algorithms, exact for any int year).
std::int64_t dayNumber(const CivilDate& date);
CivilDate dateOfDay(std::int64_t dayNumber);
// 0 = Monday ... 6 = Sunday, as policy::LocalTime counts.
int weekdayOf(std::int64_t dayNumber);

// "2026-09-22" or the Cabinet Office's "2026/9/22"; nullopt when not a valid date.
std::optional<CivilDate> parseDate(std::string_view text);
std::string toIsoString(const CivilDate& date);  // "2026-09-22"

}  // namespace sekimori::policy
