#pragma once
// Weekly access schedules, evaluated in the site's local time (a fixed UTC offset, as sites
// in Japan keep; a site with daylight saving would carry its offset per season in config).
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace sekimori::policy {

// Days as a bit mask, Monday = bit 0 ... Sunday = bit 6.
inline constexpr std::uint8_t kMonday = 1U << 0U;
inline constexpr std::uint8_t kWeekdays = 0x1F;
inline constexpr std::uint8_t kEveryDay = 0x7F;

// [startMinute, endMinute) of local time on each day in `days`; 0 <= start < end <= 1440.
// A window across midnight is written as two windows.
struct WeeklyWindow {
    std::uint8_t days = kEveryDay;
    int startMinute = 0;
    int endMinute = 1440;
};

struct Schedule {
    std::string id;
    int utcOffsetMinutes = 540;  // JST
    std::vector<WeeklyWindow> windows;
};

core::Result<void> validateSchedule(const Schedule& schedule);

// Local weekday (0 = Monday) and minute of day of a UTC instant.
struct LocalTime {
    int weekday = 0;
    int minuteOfDay = 0;
};
LocalTime toLocal(core::TimeUs utcUs, int utcOffsetMinutes);

bool isWithin(const Schedule& schedule, core::TimeUs utcUs);

}  // namespace sekimori::policy
