#pragma once
// The health domain's part of the site file: the optional [health] table (docs/config.md), read
// and checked by health's own ConfigSection. It also learns the site's panels from the ids the
// doors section declares (kind "panel"), so health watches every panel without including doors.
#include <chrono>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::health {

struct HealthConfig {
    // A panel online but silent this long is reported (health.panel_silent); 0 = never. Panels
    // publish only when something happens, so this suits busy doors or panels with a heartbeat.
    std::chrono::seconds panelSilentAfter{0};
    // $SYS figures missing this long are reported (health.broker_stats_lost); 0 = never.
    // mosquitto publishes them every sys_interval (10 s by default).
    std::chrono::seconds brokerStatsLostAfter{60};
    std::chrono::seconds rateWindow{60};  // message rates are averaged over this window
    std::vector<std::string> panels;      // every panel the site declares, sorted
};

class HealthConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const HealthConfig& config() const { return config_; }

  private:
    HealthConfig config_;
};

}  // namespace sekimori::health
