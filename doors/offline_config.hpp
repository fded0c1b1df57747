#pragma once
// The site's offline policy (docs/config.md `[offline]`, docs/offline.md): how long a panel's
// offline cache stays trusted without a sync, what a stale three-factor door does, what a full
// journal does, how often the controller re-confirms every panel's cache and when a panel that
// stays behind raises panel.cache_behind. Optional table; every key has a default.
//
//   [offline]
//   staleness_s = 900            # 60..604800: past this without a cache_sync, the cache is stale
//   degraded = "deny"            # "deny" | "two_person": a stale three-factor door
//   journal_full = "deny_offline"  # "deny_offline" | "keep_deciding"
//   sync_interval_s = 30         # 5..3600: cache_sync to every panel this often
//   behind_alarm_s = 300         # 10..86400: behind the current version this long -> alarm
//   two_person_window_s = 30     # 5..300: the second person's window (two-person doors, degraded)
#include <chrono>
#include <string_view>
#include <vector>

#include "core/config_section.hpp"
#include "protocol/panel_commands.hpp"

namespace sekimori::doors {

struct OfflineConfig {
    std::chrono::seconds staleness{900};
    protocol::DegradedMode degraded = protocol::DegradedMode::deny;
    protocol::JournalFullPolicy journalFull = protocol::JournalFullPolicy::denyOffline;
    std::chrono::seconds syncInterval{30};
    std::chrono::seconds behindAlarm{300};
    std::chrono::seconds twoPersonWindow{30};
    // The sync runs only for a site file with an [offline] table: it still recomputes every
    // panel's entries on the io thread, which the io watchdog flags past a few thousand people
    // under ASan (issue 15 note). Move it to the reader thread, then drop this switch.
    bool enabled = false;
};

class OfflineConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const OfflineConfig& config() const { return config_; }

  private:
    OfflineConfig config_;
};

}  // namespace sekimori::doors
