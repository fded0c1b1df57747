#include "reports/reports_config.hpp"

#include "core/site_config_model.hpp"
#include "core/toml_table_reader.hpp"

namespace sekimori::reports {

std::vector<std::string_view> ReportsConfigSection::keys() const {
    return {"reports"};
}

void ReportsConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                                core::IdRegistry&) {
    using core::Presence;
    const toml::table* table = root.table("reports", Presence::optional);
    if (table == nullptr) {
        return;
    }
    core::TomlTableReader r(*table, "reports", root.diagnostics());
    SuspicionPolicy& s = config_.suspicion;
    if (auto v = r.integer("off_hours_start_hour", Presence::optional, 0, 23)) {
        s.offHoursStartHour = static_cast<int>(*v);
    }
    if (auto v = r.integer("off_hours_end_hour", Presence::optional, 0, 23)) {
        s.offHoursEndHour = static_cast<int>(*v);
    }
    if (auto v = r.boolean("off_hours_weekends", Presence::optional)) {
        s.weekendsOffHours = *v;
    }
    if (auto v = r.integer("repeated_denials", Presence::optional, 2, 100)) {
        s.repeatedDenials = static_cast<int>(*v);
    }
    if (auto v = r.integer("repeated_window_s", Presence::optional, 60, 86'400)) {
        s.repeatedWindowUs = *v * 1'000'000;
    }
    r.finish();
}

void ReportsConfigSection::check(const core::SiteConfig& site, const core::IdRegistry&,
                                 core::ConfigDiagnostics&) {
    config_.siteName = site.site.name.empty() ? site.site.id : site.site.name;
    config_.managementAreas.clear();
    config_.handlingAreas.clear();
    for (const auto& zone : site.zones) {
        if (zone.kind == core::ZoneKind::managementArea) {
            config_.managementAreas.push_back({zone.id, zone.name});
        } else if (zone.kind == core::ZoneKind::handlingArea) {
            config_.handlingAreas.push_back({zone.id, zone.name});
        }
    }
}

}  // namespace sekimori::reports
