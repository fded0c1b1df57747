#pragma once
// The power domain's wiring: builds power::PowerService from the daemon's shared parts, the
// checked [power] and [[hub_timers]] sections and the site's [[modbus_devices]], gives it its
// trend store beside the database, and declares its alarms (docs/power.md).
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "power/power_config.hpp"

namespace sekimori::app {

// Runs on every site: without a plant or relays it polls nothing and its page says so.
core::Result<std::unique_ptr<core::Service>> makePowerService(const DaemonParts& parts,
                                                              const power::PowerConfig& config);

}  // namespace sekimori::app
