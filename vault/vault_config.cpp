#include "vault/vault_config.hpp"

#include "core/site_config_model.hpp"

namespace sekimori::vault {

std::vector<std::string_view> VaultConfigSection::keys() const {
    return {"vault"};
}

void VaultConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                              core::IdRegistry&) {
    using core::Presence;
    const toml::table* table = root.table("vault", Presence::optional);
    if (table == nullptr) {
        return;
    }
    core::TomlTableReader r(*table, "vault", root.diagnostics());
    config_.enabled = true;
    if (auto file = r.string("public_key_file", Presence::required)) {
        config_.publicKeyFile = *file;
    }
    config_.areas = r.stringArray("areas", Presence::required).value_or(std::vector<std::string>{});
    areasPath_ = r.keyPath("areas");
    if (auto v = r.integer("clock_skew_s", Presence::optional, 5, 3'600)) {
        config_.clockSkew = std::chrono::seconds(*v);
    }
    if (auto v = r.integer("push_resend_s", Presence::optional, 1, 3'600)) {
        config_.pushResend = std::chrono::seconds(*v);
    }
    r.finish();
}

void VaultConfigSection::check(const core::SiteConfig& site, const core::IdRegistry& ids,
                               core::ConfigDiagnostics& diagnostics) {
    if (!config_.enabled) {
        return;
    }
    // Relative key files resolve against base_dir, like every path of [daemon].
    if (config_.publicKeyFile.is_relative()) {
        config_.publicKeyFile = site.daemon.baseDir / config_.publicKeyFile;
    }
    if (config_.areas.empty()) {
        diagnostics.error(areasPath_, "the vault needs at least one handling area");
    }
    for (const auto& area : config_.areas) {
        if (!ids.require("zone", area, areasPath_, diagnostics)) {
            continue;
        }
        for (const auto& zone : site.zones) {
            if (zone.id == area && zone.kind != core::ZoneKind::handlingArea) {
                diagnostics.error(areasPath_, "\"" + area +
                                                  "\" is not a handling area (kind = "
                                                  "\"handling_area\"): the vault speaks for those");
            }
        }
    }
}

}  // namespace sekimori::vault
