#pragma once
// Weekly access schedules, evaluated in the site's local time (a fixed UTC offset, as sites
// in Japan keep; a site with daylight saving would carry its offset per season in config),
// with a rule for holidays and site closures (policy/holiday_calendar.hpp). Doors, hub timers
// and drill windows all ask the same isWithin().
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "policy/holiday_calendar.hpp"

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

// What a holiday (national, substitute, citizens') or a site closure does to a schedule.
enum class HolidayRule {
    ignore,            // an ordinary day of its weekday (the default)
    closedOnHolidays,  // never open on such a day: office doors, hub timers
    holidaysOnly,      // open only on such days, in its windows: holiday maintenance
};
// The config words (docs/holidays.md): "ignore", "closed", "only"; nullopt for anything else.
std::string_view toString(HolidayRule rule);
std::optional<HolidayRule> holidayRuleFromString(std::string_view word);

struct Schedule {
    std::string id;
    int utcOffsetMinutes = 540;  // JST
    std::vector<WeeklyWindow> windows;
    HolidayRule holidays = HolidayRule::ignore;
    // Required unless `holidays` is ignore; shared by every schedule of the site.
    std::shared_ptr<const HolidayCalendar> calendar = nullptr;
};

core::Result<void> validateSchedule(const Schedule& schedule);

// Local weekday (0 = Monday), minute of day and day number (policy/civil_date.hpp) of a UTC
// instant.
struct LocalTime {
    int weekday = 0;
    int minuteOfDay = 0;
    std::int64_t day = 0;
};
LocalTime toLocal(core::TimeUs utcUs, int utcOffsetMinutes);

// Inside one of its windows on that local day, and the day passes the holiday rule. A day past
// the end of the calendar's national list is an ordinary day (docs/holidays.md).
bool isWithin(const Schedule& schedule, core::TimeUs utcUs);

// The first instant after `utcUs` at which isWithin() differs from its value at `utcUs`: the end
// of the window it is in, or the start of the next one. Windows begin and end on whole local
// minutes, so it is a minute boundary; `utcUs` + 8 days when nothing changes that long (an
// always-open or never-open schedule). Steps minute by minute: call it on a change, not per tick.
core::TimeUs nextChangeUs(const Schedule& schedule, core::TimeUs utcUs);

}  // namespace sekimori::policy
