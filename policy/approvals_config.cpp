#include "policy/approvals_config.hpp"

namespace sekimori::policy {

std::vector<std::string_view> ApprovalsConfigSection::keys() const {
    return {"approvals"};
}

void ApprovalsConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                                  core::IdRegistry&) {
    using core::Presence;
    const toml::table* table = root.table("approvals", Presence::optional);
    if (table == nullptr) {
        return;
    }
    core::TomlTableReader r(*table, "approvals", root.diagnostics());
    // At least a second (tests and drills use short ones), at most 30 days: a request older
    // than that no longer says what the site needs.
    constexpr std::int64_t kMaxTtl = 30LL * 86'400;
    if (auto v = r.integer("ttl_s", Presence::optional, 1, kMaxTtl)) {
        config_.ttl = std::chrono::seconds(*v);
    }
    r.finish();
}

void ApprovalsConfigSection::check(const core::SiteConfig&, const core::IdRegistry&,
                                   core::ConfigDiagnostics&) {}

}  // namespace sekimori::policy
