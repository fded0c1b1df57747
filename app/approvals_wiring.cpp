#include "app/approvals_wiring.hpp"

#include "policy/approvals_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeApprovalsService(
    const DaemonParts& parts, const policy::ApprovalsConfig& config) {
    parts.approvals.setTtlOverride(config.ttl);
    return std::unique_ptr<core::Service>(
        std::make_unique<policy::ApprovalsService>(policy::ApprovalsServiceParts{
            parts.executor, parts.approvals, parts.paths.database.string(),
            parts.site.site.utcOffsetMinutes,
            parts.site.daemon.baseDir / "policy" / "web" / "approvals"}));
}

}  // namespace sekimori::app
