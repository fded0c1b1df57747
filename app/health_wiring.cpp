#include "app/health_wiring.hpp"

#include "health/health_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeHealthService(const DaemonParts& parts,
                                                               const health::HealthConfig& config) {
    return std::unique_ptr<core::Service>(std::make_unique<health::HealthService>(
        health::HealthServiceParts{parts.executor, parts.router, parts.recorder, parts.clock,
                                   parts.site.site.id, parts.site.site.utcOffsetMinutes, config,
                                   parts.site.daemon.baseDir / "health" / "web"}));
}

}  // namespace sekimori::app
