#include "health/health_config.hpp"

namespace sekimori::health {

std::vector<std::string_view> HealthConfigSection::keys() const {
    return {"health"};
}

void HealthConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                               core::IdRegistry&) {
    using core::Presence;
    const toml::table* table = root.table("health", Presence::optional);
    if (table == nullptr) {
        return;
    }
    core::TomlTableReader r(*table, "health", root.diagnostics());
    auto seconds = [&](std::string_view key, std::chrono::seconds& field, std::int64_t min,
                       std::int64_t max) {
        if (auto v = r.integer(key, Presence::optional, min, max)) {
            field = std::chrono::seconds(*v);
        }
    };
    constexpr std::int64_t day = 86'400;
    seconds("panel_silent_after_s", config_.panelSilentAfter, 0, day);
    seconds("broker_stats_lost_after_s", config_.brokerStatsLostAfter, 0, day);
    seconds("rate_window_s", config_.rateWindow, 10, 3'600);
    r.finish();
}

void HealthConfigSection::check(const core::SiteConfig&, const core::IdRegistry& ids,
                                core::ConfigDiagnostics&) {
    config_.panels = ids.ids("panel");
}

}  // namespace sekimori::health
