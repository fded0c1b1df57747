#pragma once
// The power domain's part of the site file: [power] (utility feeds, ATS, generator, UPS units)
// and [[hub_timers]], read and checked by power's own ConfigSection (docs/config.md). Declares
// ids of kind "feed", "ups" and "hub_timer"; checks the Modbus devices each refers to (by
// profile), the schedules of hub timers, and the site rule that the generator's fuel lasts
// 72 hours at site load.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::power {

// The site's endurance requirement: the generator runs this long on the fuel it holds.
inline constexpr double kRequiredEnduranceHours = 72.0;

struct FeedConfig {
    std::string id;
    std::string name;
    std::string meter;  // modbus device with profile meter
};

struct GeneratorConfig {
    std::string device;  // modbus device with profile generator
    double dayTankLitres = 0;
    double bulkTankLitres = 0;
    double burnLitresPerHourAtSiteLoad = 0;
};

struct UpsConfig {
    std::string id;
    std::string name;
    std::string nut;      // "ups1@127.0.0.1:3493" as written
    std::string nutUps;   // "ups1"
    std::string nutHost;  // "127.0.0.1"
    std::uint16_t nutPort = 3493;
    std::optional<std::string> device;  // modbus device with profile ups, if also polled there
    int batteryLowPercent = 30;
};

struct RelayRef {
    std::string device;  // modbus device with profile relay or pdu
    int coil = 0;
};

// The hubs between the vault's server and its terminals are powered only inside `schedule`.
struct HubTimerConfig {
    std::string id;
    std::string name;
    RelayRef relay;
    std::string schedule;
    bool allowOverride = false;  // out-of-hours power on an approved request
};

struct PowerPlantConfig {
    std::vector<FeedConfig> feeds;
    std::optional<std::string> ats;  // modbus device with profile ats
    std::optional<GeneratorConfig> generator;
    std::vector<UpsConfig> ups;
};

struct PowerConfig {
    std::optional<PowerPlantConfig> plant;  // [power]; absent on a site without one
    std::vector<HubTimerConfig> hubTimers;
};

// Hours the generator runs on a full day tank plus bulk tank at site load.
double fuelEnduranceHours(const GeneratorConfig& generator);

class PowerConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const PowerConfig& config() const { return config_; }

  private:
    PowerConfig config_;
};

}  // namespace sekimori::power
