#pragma once
// What access can be given, as the site configuration defines it (docs/openapi.yaml, "Access
// catalog"): the console's access page and the enrollment forms read these, declared with their
// roles where they are registered (operator, facility_admin, security_admin):
//   GET /api/access_levels   {"access_levels": [{id, name, zones: [{zone, schedule}],
//                             restricted}]}   restricted: names a management or handling area
//                             (assigning it needs doors.level_restricted)
//   GET /api/groups          {"groups": [{id, name}]}
//   GET /api/schedules       {"schedules": [{id, utc_offset_minutes, holidays, windows: [{days,
//                             start_minute, end_minute}]}]}
//   GET /api/holidays?year=  {"year", "holidays": [{date, name, kind}], "listed_from",
//                             "listed_until"}: national holidays and site closures; a year past
//                             the national list has only closures (docs/holidays.md)
// Immutable configuration, read on the io thread. Who holds a level and who is in a group is
// data: the person page (doors/person_routes).
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "doors/access_rules_config.hpp"
#include "policy/holiday_calendar.hpp"
#include "policy/schedule.hpp"

namespace sekimori::doors {

struct AccessCatalog {
    std::vector<GroupConfig> groups;
    AccessLevels levels;
    std::vector<policy::Schedule> schedules;
    std::set<std::string> restrictedZones;
    // The site's calendar (the schedules share it); null: no holidays are known.
    std::shared_ptr<const policy::HolidayCalendar> calendar;
    int utcOffsetMinutes = 540;  // the default year of /api/holidays is the site's current one
    const core::Clock* clock = nullptr;
};

std::vector<core::ApiRoute> accessCatalogRoutes(AccessCatalog catalog);

// The catalog of a site: its access rules' levels and groups, its schedules (the first one with
// a calendar gives the calendar and the offset), the restricted zones; `clock` must outlive the
// routes.
AccessCatalog accessCatalogFor(const AccessRulesConfig& rules,
                               const std::vector<policy::Schedule>& schedules,
                               const std::set<std::string>& restrictedZones,
                               const core::Clock& clock);

// The JSON bodies, for the routes and their tests.
nlohmann::json accessLevelsJson(const AccessCatalog& catalog);
nlohmann::json groupsJson(const AccessCatalog& catalog);
nlohmann::json schedulesJson(const AccessCatalog& catalog);
nlohmann::json holidaysJson(const AccessCatalog& catalog, int year);

}  // namespace sekimori::doors
