#pragma once
// The hvac domain's part of the site file: [hvac], [[crac_units]] and [[sensors]], read and
// checked by hvac's own ConfigSection (docs/config.md). Declares ids of kind "crac_unit" and
// "sensor"; checks their zones and the Modbus devices they are polled through (by profile).
#include <optional>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::hvac {

struct CracConfig {
    std::string id;
    std::string name;
    std::string zone;
    std::string device;  // modbus device with profile crac
    double supplyTempMaxC = 27.0;
    double returnTempMaxC = 38.0;
};

enum class SensorKind { temperature, humidity, leak };

// The TOML spelling ("leak").
std::string_view sensorKindName(SensorKind kind);

struct SensorConfig {
    std::string id;
    std::string name;
    std::string zone;
    std::string device;  // modbus device with profile sensor
    SensorKind kind = SensorKind::temperature;
    int channel = 0;
    std::optional<double> min;  // alarm below (temperature, humidity)
    std::optional<double> max;  // alarm above (temperature, humidity)
};

// [hvac]: how the climate watch judges the room (docs/hvac.md). Defaults follow ASHRAE's
// recommended envelope: dew point -9..15 degC, at most 5 degC change in any 15 minutes.
struct ClimateSettings {
    int alarmDelayS = 60;     // an envelope or dew-point condition must hold this long to raise
    int restoreDelayS = 60;   // and be back inside (by the deadband) this long to restore
    double deadbandC = 0.5;   // temperatures and dew point
    double deadbandRh = 2.0;  // relative humidity, %
    double dewPointMinC = -9.0;
    double dewPointMaxC = 15.0;
    double rateLimitC = 5.0;  // a temperature may change at most this much ...
    int rateWindowS = 900;    // ... within any window this long
    int powerWindowS = 900;   // climate events this long after a power event name it
};

struct HvacConfig {
    ClimateSettings climate;
    std::vector<CracConfig> cracUnits;
    std::vector<SensorConfig> sensors;
};

class HvacConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const HvacConfig& config() const { return config_; }

  private:
    HvacConfig config_;
};

}  // namespace sekimori::hvac
