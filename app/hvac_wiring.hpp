#pragma once
// The hvac domain's wiring: builds hvac::HvacService from the daemon's shared parts and the
// checked [hvac], [[crac_units]] and [[sensors]] sections (devices from [[modbus_devices]]),
// and declares its alarms (a leak, a value out of its envelope, the dew point, a temperature
// changing too fast, a CRAC stopped or in alarm).
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "hvac/hvac_config.hpp"

namespace sekimori::app {

// Runs on every site: without CRAC units and sensors it polls nothing and its page says so.
core::Result<std::unique_ptr<core::Service>> makeHvacService(const DaemonParts& parts,
                                                             const hvac::HvacConfig& config);

}  // namespace sekimori::app
