#include "app/site_paths.hpp"

namespace sekimori::app {

SitePaths sitePaths(const core::SiteConfig& config) {
    const auto& data = config.daemon.dataDir;
    const auto& keys = config.daemon.keyDir;
    SitePaths p;
    p.database = data / "sekimori.db";
    p.checkpoints = data / "sekimori.db.checkpoints";
    p.initialAdminFile = data / "initial-admin.txt";
    p.mqttPersistence = data / "mqtt";
    p.localSocket = data / "sekimori.sock";
    p.signingKey = keys / "audit-signing.key";
    p.pepperKey = keys / "pin-pepper.key";
    p.templateKey = keys / "template.key";
    p.panelKeyDir = keys / "panels";
    return p;
}

}  // namespace sekimori::app
