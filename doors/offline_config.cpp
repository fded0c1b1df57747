#include "doors/offline_config.hpp"

namespace sekimori::doors {

using core::Presence;
using core::TomlTableReader;

std::vector<std::string_view> OfflineConfigSection::keys() const {
    return {"offline"};
}

void OfflineConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                                core::IdRegistry&) {
    const toml::table* table = root.table("offline", Presence::optional);
    if (table == nullptr) {
        return;
    }
    config_.enabled = true;
    TomlTableReader r(*table, "offline", root.diagnostics());
    const auto seconds = [&](std::string_view key, std::int64_t min, std::int64_t max,
                             std::chrono::seconds& out) {
        if (auto v = r.integer(key, Presence::optional, min, max)) {
            out = std::chrono::seconds(*v);
        }
    };
    seconds("staleness_s", 60, protocol::kMaxStalenessMs / 1000, config_.staleness);
    if (auto mode =
            r.choice<protocol::DegradedMode>("degraded", Presence::optional,
                                             {{"deny", protocol::DegradedMode::deny},
                                              {"two_person", protocol::DegradedMode::twoPerson}})) {
        config_.degraded = *mode;
    }
    if (auto policy = r.choice<protocol::JournalFullPolicy>(
            "journal_full", Presence::optional,
            {{"deny_offline", protocol::JournalFullPolicy::denyOffline},
             {"keep_deciding", protocol::JournalFullPolicy::keepDeciding}})) {
        config_.journalFull = *policy;
    }
    seconds("sync_interval_s", 5, 3600, config_.syncInterval);
    seconds("behind_alarm_s", 10, 86400, config_.behindAlarm);
    seconds("two_person_window_s", 5, 300, config_.twoPersonWindow);
    r.finish();
}

void OfflineConfigSection::check(const core::SiteConfig&, const core::IdRegistry&,
                                 core::ConfigDiagnostics& diagnostics) {
    // A panel must hear a sync well within the staleness bound, or every cache goes stale
    // between two syncs.
    if (config_.syncInterval * 2 > config_.staleness) {
        diagnostics.error("offline.sync_interval_s",
                          "sync_interval_s (" + std::to_string(config_.syncInterval.count()) +
                              ") must be at most half of staleness_s (" +
                              std::to_string(config_.staleness.count()) + ")");
    }
}

}  // namespace sekimori::doors
