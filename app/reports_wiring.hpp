#pragma once
// The reports domain's wiring: builds reports::ReportsService from the daemon's shared parts and
// the checked [reports] section.
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "reports/reports_config.hpp"

namespace sekimori::app {

// The factory app/domains.cpp lists for "reports". The signing key is
// <key_dir>/report-signing.key (made at first start); the page's files are served from
// <daemon.base_dir>/reports/web.
core::Result<std::unique_ptr<core::Service>> makeReportsService(
    const DaemonParts& parts, const reports::ReportsConfig& config);

}  // namespace sekimori::app
