#pragma once
// The drills domain's part of the site file: the optional [drills] table (docs/config.md,
// docs/drills.md). Where the plant simulator takes a simulated drill's steps, how long a drill
// holds a feed lost, which telemetry points its criteria read, and the limits they are judged
// against. Without a simulator a drill can only observe a real test.
#include <chrono>
#include <optional>
#include <string>

#include "core/config_section.hpp"
#include "core/host_port.hpp"
#include "drills/drill_measure.hpp"
#include "drills/drill_scenarios.hpp"

namespace sekimori::drills {

// A series a criterion reads (drills/drill_measure.hpp): the telemetry point, scaled as
// value * scale + offset (a day tank's level in % as litres, plus the bulk tank).
struct SeriesSource {
    std::string point;  // "<device>.<point>"; empty: not measured at this site
    double scale = 1;
    double offset = 0;
};

struct DrillsConfig {
    bool present = false;  // the site file has a [drills] table: the console shows the page
    std::optional<core::HostPort> simulator;  // plant_sim.py --control; loopback only
    DrillTiming timing;
    SeriesSource upsCharge{"", 1, 0};
    SeriesSource loadVoltage;
    SeriesSource loadFrequency;
    SeriesSource fuelLitres;
    SeriesSource roomTemp;
    DrillLimits limits;
    std::string siteName;
};

class DrillsConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const DrillsConfig& config() const { return config_; }

  private:
    DrillsConfig config_;
};

}  // namespace sekimori::drills
