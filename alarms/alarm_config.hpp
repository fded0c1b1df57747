#pragma once
// The alarms' part of the site file: the optional [alarms] table (docs/config.md), read and
// checked by the alarms' own ConfigSection. The rules themselves come from the domains' wiring
// (core::AlarmRuleBook), not from the file: what raises an alarm is code, reviewed with the
// domain; how long the desk has before an alarm escalates is the site's choice.
#include <chrono>

#include "core/config_section.hpp"

namespace sekimori::alarms {

struct AlarmsConfig {
    // An active alarm nobody acknowledged this long after it was raised escalates once
    // (priority one step higher, alarm.escalated); 0 = never.
    std::chrono::seconds escalateAfter{120};
    // The longest a security admin may shelve an alarm for, in minutes.
    int shelveMaxMinutes = 480;
};

class AlarmsConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const AlarmsConfig& config() const { return config_; }

  private:
    AlarmsConfig config_;
};

}  // namespace sekimori::alarms
