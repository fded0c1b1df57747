#include "app/reports_wiring.hpp"

#include "reports/reports_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeReportsService(
    const DaemonParts& parts, const reports::ReportsConfig& config) {
    return std::unique_ptr<core::Service>(
        std::make_unique<reports::ReportsService>(reports::ReportsServiceParts{
            parts.executor, parts.recorder, parts.clock, parts.paths.database.string(),
            (parts.paths.signingKey.parent_path() / "report-signing.key").string(),
            parts.site.site.utcOffsetMinutes, config,
            parts.site.daemon.baseDir / "reports" / "web"}));
}

}  // namespace sekimori::app
