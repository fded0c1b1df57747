#include "app/site_schedules.hpp"

namespace sekimori::app {

// The site's holiday calendar, shared by every schedule; null when the site has no [calendar].
core::Result<std::shared_ptr<const policy::HolidayCalendar>> holidayCalendar(
    const core::SiteConfig& config) {
    if (!config.calendar) {
        return std::shared_ptr<const policy::HolidayCalendar>();
    }
    auto calendar = policy::HolidayCalendar::loadCsv(config.calendar->holidaysFile.string());
    if (!calendar) {
        return calendar.error();
    }
    for (const auto& closure : config.calendar->closures) {
        const auto from = policy::parseDate(closure.from);
        const auto to = policy::parseDate(closure.to);
        if (!from || !to) {  // the config check already refused these
            return core::makeError("config.invalid", "calendar closure " + closure.name +
                                                         ": bad date " + closure.from);
        }
        if (auto r = calendar->addClosures(*from, *to, closure.name); !r) {
            return r.error();
        }
    }
    return std::make_shared<const policy::HolidayCalendar>(std::move(*calendar));
}

core::Result<std::vector<policy::Schedule>> schedules(const core::SiteConfig& config) {
    auto calendar = holidayCalendar(config);
    if (!calendar) {
        return calendar.error();
    }
    std::vector<policy::Schedule> out;
    for (const auto& c : config.schedules) {
        policy::Schedule s;
        s.id = c.id;
        s.utcOffsetMinutes = config.site.utcOffsetMinutes;
        for (const auto& w : c.windows) {
            policy::WeeklyWindow window;
            window.days = 0;
            for (auto day : w.days) {
                window.days =
                    static_cast<std::uint8_t>(window.days | (1U << static_cast<unsigned>(day)));
            }
            window.startMinute = w.startMinute;
            window.endMinute = w.endMinute;
            s.windows.push_back(window);
        }
        s.holidays =
            policy::holidayRuleFromString(c.holidays).value_or(policy::HolidayRule::ignore);
        s.calendar = *calendar;
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace sekimori::app
