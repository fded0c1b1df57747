#pragma once
// GET /api/health's body (docs/openapi.yaml, Health): every declared panel and the broker.
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "health/health_monitor.hpp"

namespace sekimori::health {

// Unknown values are null, never a guess: a panel whose status never arrived has
// "online": null, a broker whose $SYS figures never came has "clients_connected": null.
// utcOffsetMinutes is the site's ([site] utc_offset_minutes): the card shows times in it.
nlohmann::json healthJson(const HealthMonitor& monitor, bool linkConnected, core::TimeUs nowUs,
                          int utcOffsetMinutes);

}  // namespace sekimori::health
