#include "policy/schedule.hpp"

#include <algorithm>
#include <vector>

#include "protocol/topics.hpp"

namespace sekimori::policy {
namespace {

constexpr std::int64_t kUsPerMinute = 60'000'000;
constexpr std::int64_t kMinutesPerDay = 1440;

// Floor division: instants before 1970 still land on the right day.
std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

core::Result<void> validateSchedule(const Schedule& schedule) {
    if (!protocol::isValidId(schedule.id)) {
        return core::makeError("policy.bad_schedule",
                               "schedule id '" + schedule.id + "' is not a valid id");
    }
    if (schedule.utcOffsetMinutes < -14 * 60 || schedule.utcOffsetMinutes > 14 * 60) {
        return core::makeError("policy.bad_schedule",
                               "schedule " + schedule.id + ": utc offset out of -14h..+14h");
    }
    if (schedule.holidays != HolidayRule::ignore && !schedule.calendar) {
        return core::makeError("policy.bad_schedule", "schedule " + schedule.id + ": holidays = " +
                                                          std::string(toString(schedule.holidays)) +
                                                          " needs a holiday calendar");
    }
    for (const auto& w : schedule.windows) {
        if (w.days == 0 || (w.days & ~kEveryDay) != 0) {
            return core::makeError("policy.bad_schedule",
                                   "schedule " + schedule.id + ": a window has no valid days");
        }
        if (w.startMinute < 0 || w.endMinute > kMinutesPerDay || w.startMinute >= w.endMinute) {
            return core::makeError(
                "policy.bad_schedule",
                "schedule " + schedule.id + ": a window must satisfy 0 <= start < end <= 24:00");
        }
    }
    return {};
}

std::string_view toString(HolidayRule rule) {
    switch (rule) {
        case HolidayRule::ignore:
            return "ignore";
        case HolidayRule::closedOnHolidays:
            return "closed";
        case HolidayRule::holidaysOnly:
            return "only";
    }
    return "ignore";
}

std::optional<HolidayRule> holidayRuleFromString(std::string_view word) {
    for (const auto rule :
         {HolidayRule::ignore, HolidayRule::closedOnHolidays, HolidayRule::holidaysOnly}) {
        if (word == toString(rule)) {
            return rule;
        }
    }
    return std::nullopt;
}

LocalTime toLocal(core::TimeUs utcUs, int utcOffsetMinutes) {
    const std::int64_t minutes = floorDiv(utcUs, kUsPerMinute) + utcOffsetMinutes;
    const std::int64_t day = floorDiv(minutes, kMinutesPerDay);
    // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;
    return LocalTime{static_cast<int>(weekday), static_cast<int>(minutes - day * kMinutesPerDay),
                     day};
}

bool isWithin(const Schedule& schedule, core::TimeUs utcUs) {
    const LocalTime local = toLocal(utcUs, schedule.utcOffsetMinutes);
    if (schedule.holidays != HolidayRule::ignore) {
        // No calendar fails closed: validateSchedule refuses such a schedule up front.
        const bool holiday = schedule.calendar && schedule.calendar->isHoliday(local.day);
        const bool closedOnHolidays = schedule.holidays == HolidayRule::closedOnHolidays;
        if (!schedule.calendar || holiday == closedOnHolidays) {
            return false;
        }
    }
    const auto dayBit = static_cast<std::uint8_t>(1U << static_cast<unsigned>(local.weekday));
    for (const auto& w : schedule.windows) {
        if ((w.days & dayBit) != 0 && local.minuteOfDay >= w.startMinute &&
            local.minuteOfDay < w.endMinute) {
            return true;
        }
    }
    return false;
}

core::TimeUs nextChangeUs(const Schedule& schedule, core::TimeUs utcUs) {
    // isWithin() can change only at a window's start or end minute, or at local midnight (a
    // holiday begins or ends): those instants of the next eight local days are the candidates.
    const bool now = isWithin(schedule, utcUs);
    const core::TimeUs limit = utcUs + 8 * kMinutesPerDay * kUsPerMinute;
    const LocalTime local = toLocal(utcUs, schedule.utcOffsetMinutes);
    const core::TimeUs offsetUs = std::int64_t{schedule.utcOffsetMinutes} * kUsPerMinute;
    std::vector<core::TimeUs> candidates;
    for (std::int64_t day = local.day; day <= local.day + 8; ++day) {
        const core::TimeUs midnight = day * kMinutesPerDay * kUsPerMinute - offsetUs;
        candidates.push_back(midnight);
        for (const auto& w : schedule.windows) {
            candidates.push_back(midnight + w.startMinute * kUsPerMinute);
            candidates.push_back(midnight + w.endMinute * kUsPerMinute);
        }
    }
    std::sort(candidates.begin(), candidates.end());
    for (const core::TimeUs t : candidates) {
        if (t > utcUs && t < limit && isWithin(schedule, t) != now) {
            return t;
        }
    }
    return limit;
}

}  // namespace sekimori::policy
