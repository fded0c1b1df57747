#include "app/vault_wiring.hpp"

#include "vault/signed_request.hpp"
#include "vault/vault_event_types.hpp"
#include "vault/vault_link_off.hpp"
#include "vault/vault_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeVaultService(const DaemonParts& parts,
                                                              const vault::VaultConfig& config) {
    auto webDir = parts.site.daemon.baseDir / "vault" / "web";
    if (!config.enabled) {
        return std::unique_ptr<core::Service>(std::make_unique<vault::VaultLinkOff>(webDir));
    }
    auto keys = vault::readVaultKeys(config.publicKeyFile.string());
    if (!keys) {
        return keys.error();
    }
    core::AlarmRule overstay;
    overstay.eventType = std::string(vault::kVaultWindowEndedInside.name);
    overstay.alarmType = overstay.eventType;
    overstay.priority = 2;
    overstay.sourceKind = "person";
    overstay.sourceField = "person";
    core::AlarmRule cleared = overstay;
    cleared.eventType = std::string(vault::kVaultOverstayCleared.name);
    cleared.action = core::AlarmAction::clear;
    if (auto r = parts.alarmRules.add({overstay, cleared}); !r) {
        return r.error();
    }
    auto service = vault::VaultService::create(vault::VaultServiceParts{
        parts.executor, parts.router, parts.recorder, parts.bus, parts.clock, parts.site.site.id,
        parts.site.site.utcOffsetMinutes, config, std::move(*keys), parts.paths.database.string(),
        std::move(webDir)});
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
