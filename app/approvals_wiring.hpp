#pragma once
// The approvals' wiring: the service over the engine sekimorid made before every domain (so each
// could register its kinds), with the checked [approvals] section applied to it.
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "policy/approvals_config.hpp"

namespace sekimori::app {

// The factory app/domains.cpp lists for "approvals". The page's files are served from
// <daemon.base_dir>/policy/web/approvals.
core::Result<std::unique_ptr<core::Service>> makeApprovalsService(
    const DaemonParts& parts, const policy::ApprovalsConfig& config);

}  // namespace sekimori::app
