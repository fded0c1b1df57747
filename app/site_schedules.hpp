#pragma once
// The site's [[schedules]] as policy::Schedule, with their holiday rule and the one [calendar]
// (the national list and the site's closures) they share: doors, hub timers and drill windows
// ask the same schedules.
#include <memory>
#include <vector>

#include "core/result.hpp"
#include "core/site_config_model.hpp"
#include "policy/holiday_calendar.hpp"
#include "policy/schedule.hpp"

namespace sekimori::app {

// Null when the site has no [calendar].
core::Result<std::shared_ptr<const policy::HolidayCalendar>> holidayCalendar(
    const core::SiteConfig& config);
core::Result<std::vector<policy::Schedule>> schedules(const core::SiteConfig& config);

}  // namespace sekimori::app
