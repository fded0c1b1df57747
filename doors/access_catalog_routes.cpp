#include "doors/access_catalog_routes.hpp"

#include <charconv>

#include "doors/credential_route_support.hpp"
#include "doors/door_routes.hpp"
#include "policy/civil_date.hpp"

namespace sekimori::doors {
namespace {

constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2200;

nlohmann::json dayNames(std::uint8_t days) {
    static constexpr const char* kNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    nlohmann::json out = nlohmann::json::array();
    for (unsigned d = 0; d < 7; ++d) {
        if ((days & (1U << d)) != 0) {
            out.push_back(kNames[d]);
        }
    }
    return out;
}

nlohmann::json dateOrNull(const std::optional<policy::CivilDate>& date) {
    return date ? nlohmann::json(policy::toIsoString(*date)) : nlohmann::json(nullptr);
}

int currentYear(const AccessCatalog& catalog) {
    if (catalog.clock == nullptr) {
        return kFirstYear;
    }
    return policy::dateOfDay(policy::toLocal(catalog.clock->nowUs(), catalog.utcOffsetMinutes).day)
        .year;
}

using CatalogPtr = std::shared_ptr<const AccessCatalog>;

core::ApiRoute catalogRoute(const CatalogPtr& catalog, std::string pattern,
                            nlohmann::json (*body)(const AccessCatalog&)) {
    return core::ApiRoute{core::HttpMethod::get, std::move(pattern), kDoorViewers, core::RunOn::io,
                          [catalog, body](const core::ApiCall& call, core::ApiReply reply) {
                              if (auto bad = checkNoBody(call)) {
                                  return reply(std::move(*bad));
                              }
                              reply(core::ApiResult{200, body(*catalog)});
                          }};
}

}  // namespace

nlohmann::json accessLevelsJson(const AccessCatalog& catalog) {
    nlohmann::json levels = nlohmann::json::array();
    for (const auto& [id, level] : catalog.levels) {
        nlohmann::json zones = nlohmann::json::array();
        bool restricted = false;
        for (const auto& z : level.zones) {
            zones.push_back({{"zone", z.zone}, {"schedule", z.schedule}});
            restricted = restricted || catalog.restrictedZones.count(z.zone) != 0;
        }
        levels.push_back({{"id", id},
                          {"name", level.name},
                          {"zones", std::move(zones)},
                          {"restricted", restricted}});
    }
    return {{"access_levels", std::move(levels)}};
}

nlohmann::json groupsJson(const AccessCatalog& catalog) {
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : catalog.groups) {
        groups.push_back({{"id", g.id}, {"name", g.name}});
    }
    return {{"groups", std::move(groups)}};
}

nlohmann::json schedulesJson(const AccessCatalog& catalog) {
    nlohmann::json schedules = nlohmann::json::array();
    for (const auto& s : catalog.schedules) {
        nlohmann::json windows = nlohmann::json::array();
        for (const auto& w : s.windows) {
            windows.push_back({{"days", dayNames(w.days)},
                               {"start_minute", w.startMinute},
                               {"end_minute", w.endMinute}});
        }
        schedules.push_back({{"id", s.id},
                             {"utc_offset_minutes", s.utcOffsetMinutes},
                             {"holidays", std::string(policy::toString(s.holidays))},
                             {"windows", std::move(windows)}});
    }
    return {{"schedules", std::move(schedules)}};
}

nlohmann::json holidaysJson(const AccessCatalog& catalog, int year) {
    nlohmann::json days = nlohmann::json::array();
    nlohmann::json from = nullptr;
    nlohmann::json until = nullptr;
    if (catalog.calendar) {
        for (const auto& h : catalog.calendar->holidaysIn(year)) {
            days.push_back({{"date", policy::toIsoString(h.date)},
                            {"name", h.name},
                            {"kind", std::string(policy::toString(h.kind))}});
        }
        from = dateOrNull(catalog.calendar->firstListedDate());
        until = dateOrNull(catalog.calendar->lastListedDate());
    }
    return {{"year", year},
            {"holidays", std::move(days)},
            {"listed_from", from},
            {"listed_until", until}};
}

AccessCatalog accessCatalogFor(const AccessRulesConfig& rules,
                               const std::vector<policy::Schedule>& schedules,
                               const std::set<std::string>& restrictedZones,
                               const core::Clock& clock) {
    AccessCatalog catalog;
    catalog.groups = rules.groups;
    catalog.levels = rules.levels;
    catalog.schedules = schedules;
    catalog.restrictedZones = restrictedZones;
    catalog.clock = &clock;
    for (const auto& s : schedules) {
        if (s.calendar) {
            catalog.calendar = s.calendar;
            catalog.utcOffsetMinutes = s.utcOffsetMinutes;
            break;
        }
    }
    if (!catalog.calendar && !schedules.empty()) {
        catalog.utcOffsetMinutes = schedules.front().utcOffsetMinutes;
    }
    return catalog;
}

std::vector<core::ApiRoute> accessCatalogRoutes(AccessCatalog catalog) {
    auto shared = std::make_shared<const AccessCatalog>(std::move(catalog));
    std::vector<core::ApiRoute> routes{
        catalogRoute(shared, "/api/access_levels", accessLevelsJson),
        catalogRoute(shared, "/api/groups", groupsJson),
        catalogRoute(shared, "/api/schedules", schedulesJson),
    };
    routes.push_back(core::ApiRoute{
        core::HttpMethod::get, "/api/holidays", kDoorViewers, core::RunOn::io,
        [shared](const core::ApiCall& call, core::ApiReply reply) {
            if (auto bad = checkNoBody(call, {"year"})) {
                return reply(std::move(*bad));
            }
            int year = currentYear(*shared);
            if (auto it = call.query.find("year"); it != call.query.end()) {
                const std::string& text = it->second;
                auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), year);
                if (ec != std::errc{} || end != text.data() + text.size() || year < kFirstYear ||
                    year > kLastYear) {
                    return reply(routeError(400, kDoorsBadRequest,
                                            "year: must be a year from " +
                                                std::to_string(kFirstYear) + " to " +
                                                std::to_string(kLastYear)));
                }
            }
            reply(core::ApiResult{200, holidaysJson(*shared, year)});
        }});
    return routes;
}

}  // namespace sekimori::doors
