#pragma once
// The reports domain's part of the site file: the optional [reports] table (docs/config.md),
// and what the compliance summary needs of the core site model (the management and handling
// areas the site declares), taken in check().
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::reports {

// When an access attempt counts as off hours, and how many denials make a run "repeated".
struct SuspicionPolicy {
    int offHoursStartHour = 20;  // local time; off hours run from here...
    int offHoursEndHour = 7;     // ...to here (the next morning when start > end)
    bool weekendsOffHours = true;
    int repeatedDenials = 3;                      // this many denials of one card or person...
    std::int64_t repeatedWindowUs = 600'000'000;  // ...within this long
};

struct AreaRef {
    std::string id;
    std::string name;
};

struct ReportsConfig {
    SuspicionPolicy suspicion;
    std::vector<AreaRef> managementAreas;  // zones of kind management_area
    std::vector<AreaRef> handlingAreas;    // zones of kind handling_area
    std::string siteName;
};

class ReportsConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const ReportsConfig& config() const { return config_; }

  private:
    ReportsConfig config_;
};

}  // namespace sekimori::reports
