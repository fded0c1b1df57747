#pragma once
// The health domain's wiring: builds health::HealthService from the daemon's shared parts and
// the checked [health] section.
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "health/health_config.hpp"

namespace sekimori::app {

// The factory app/domains.cpp lists for "health". The card's files are served from
// <daemon.base_dir>/health/web, beside console/web.
core::Result<std::unique_ptr<core::Service>> makeHealthService(const DaemonParts& parts,
                                                               const health::HealthConfig& config);

}  // namespace sekimori::app
