#pragma once
// The JSON the hvac routes answer with (docs/hvac.md, "Routes"): the CRAC units, sensors, dew
// point, active conditions and every point's reading for GET /api/hvac; the query of
// GET /api/hvac/trend checked before the store is asked.
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "core/telemetry_registry.hpp"
#include "core/telemetry_store.hpp"
#include "hvac/climate_watch.hpp"
#include "hvac/hvac_config.hpp"

namespace sekimori::hvac {

nlohmann::json hvacJson(const HvacConfig& config, const core::TelemetryRegistry& registry,
                        const ClimateWatch& watch);

// From the query string {point, from_us?, to_us?, resolution?}: an error (code hvac.bad_query)
// names the parameter. Defaults: to_us now, from_us an hour before to_us, resolution automatic.
core::Result<core::TelemetryQuery> parseTrendQuery(const std::map<std::string, std::string>& query,
                                                   const std::set<std::string>& points,
                                                   core::TimeUs nowUs);

nlohmann::json trendJson(const core::TelemetrySeries& series);

}  // namespace sekimori::hvac
