#include "witness/witness_config.hpp"

#include <algorithm>

#include "core/site_config_model.hpp"

namespace sekimori::witness {

std::vector<std::string_view> WitnessConfigSection::keys() const {
    return {"witnesses"};
}

void WitnessConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                                core::IdRegistry& ids) {
    using core::Presence;
    root.forEachTable("witnesses", Presence::optional, [&](core::TomlTableReader& r, std::size_t) {
        WitnessConfig w;
        auto id = r.id("id", Presence::required);
        auto key = r.string("public_key_file", Presence::required);
        if (auto silent = r.integer("silent_after_s", Presence::optional, 1, 86'400)) {
            w.silentAfter = std::chrono::seconds(*silent);
        }
        if (!id || !key) {
            return;
        }
        ids.declare("witness", *id, r.keyPath("id"), r.diagnostics());
        w.id = *id;
        w.publicKeyFile = *key;
        config_.witnesses.push_back(std::move(w));
    });
}

void WitnessConfigSection::check(const core::SiteConfig& site, const core::IdRegistry&,
                                 core::ConfigDiagnostics& diagnostics) {
    // Relative key files resolve against base_dir, like every path of [daemon].
    for (auto& w : config_.witnesses) {
        if (w.publicKeyFile.is_relative()) {
            w.publicKeyFile = site.daemon.baseDir / w.publicKeyFile;
        }
    }
    const auto restricted = std::find_if(site.zones.begin(), site.zones.end(), [](const auto& z) {
        return z.kind == core::ZoneKind::managementArea || z.kind == core::ZoneKind::handlingArea;
    });
    if (restricted != site.zones.end() && config_.witnesses.empty()) {
        diagnostics.error("witnesses",
                          "zone \"" + restricted->id + "\" is a " +
                              std::string(core::zoneKindName(restricted->kind)) +
                              ": at least one [[witnesses]] entry is required to cosign the "
                              "audit trail (docs/witness.md)");
    }
}

}  // namespace sekimori::witness
