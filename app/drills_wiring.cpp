#include "app/drills_wiring.hpp"

#include "drills/drills_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeDrillsService(const DaemonParts& parts,
                                                               const drills::DrillsConfig& config) {
    const auto dataDir = parts.paths.database.parent_path();
    auto service = drills::DrillsService::create(drills::DrillsServiceParts{
        parts.executor,
        parts.recorder,
        parts.bus,
        parts.clock,
        parts.approvals,
        config,
        parts.paths.database.string(),
        {(dataDir / "telemetry-power.sqlite").string(),
         (dataDir / "telemetry-hvac.sqlite").string()},
        (parts.paths.signingKey.parent_path() / "report-signing.key").string(),
        dataDir / "drills",
        parts.site.daemon.baseDir / "drills" / "web",
        parts.site.site.utcOffsetMinutes});
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
