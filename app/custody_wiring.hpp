#pragma once
// The custody domain's wiring: builds custody::CustodyService from the daemon's shared parts and
// the checked key cabinet, key, metal detector and carry-in sections, and declares its alarms
// (a forced, overdue or carried-off key, an item left inside, a detector hit, a device's tamper
// or absence).
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "custody/custody_config.hpp"

namespace sekimori::app {

// Runs on every site; without cabinets, detectors or a carry-in zone there is nothing to hold.
core::Result<std::unique_ptr<core::Service>> makeCustodyService(
    const DaemonParts& parts, const custody::CustodyConfig& config);

}  // namespace sekimori::app
