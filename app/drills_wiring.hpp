#pragma once
// The drills domain's wiring: builds drills::DrillsService from the daemon's shared parts and
// the checked [drills] section.
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "drills/drills_config.hpp"

namespace sekimori::app {

// The factory app/domains.cpp lists for "drills". It reads the power and hvac trend stores by
// their files beside the site database, signs with <key_dir>/report-signing.key (the reports
// domain makes it), keeps the reports in <data_dir>/drills; the page is
// <daemon.base_dir>/drills/web.
core::Result<std::unique_ptr<core::Service>> makeDrillsService(const DaemonParts& parts,
                                                               const drills::DrillsConfig& config);

}  // namespace sekimori::app
