#include "alarms/alarm_config.hpp"

namespace sekimori::alarms {

std::vector<std::string_view> AlarmsConfigSection::keys() const {
    return {"alarms"};
}

void AlarmsConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                               core::IdRegistry&) {
    using core::Presence;
    const toml::table* table = root.table("alarms", Presence::optional);
    if (table == nullptr) {
        return;
    }
    core::TomlTableReader r(*table, "alarms", root.diagnostics());
    constexpr std::int64_t day = 86'400;
    if (auto v = r.integer("escalate_after_s", Presence::optional, 0, day)) {
        config_.escalateAfter = std::chrono::seconds(*v);
    }
    constexpr std::int64_t week = 7 * 24 * 60;
    if (auto v = r.integer("shelve_max_minutes", Presence::optional, 1, week)) {
        config_.shelveMaxMinutes = static_cast<int>(*v);
    }
    r.finish();
}

void AlarmsConfigSection::check(const core::SiteConfig&, const core::IdRegistry&,
                                core::ConfigDiagnostics&) {}

}  // namespace sekimori::alarms
