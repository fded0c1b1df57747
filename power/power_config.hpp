#pragma once
// The power domain's part of the site file: [power] (utility feeds, ATS, generator, UPS units)
// and [[hub_timers]], read and checked by power's own ConfigSection (docs/config.md). Declares
// ids of kind "feed", "ups" and "hub_timer"; checks the Modbus devices each refers to (by
// profile), the schedules of hub timers, the switch's topology (which source feeds each side),
// and the site rule that the generator's fuel lasts required_endurance_h (72 h at least) at
// site load on its burn curve.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::power {

// The site's endurance requirement: the generator runs this long on the fuel it holds. A site
// may require more ([power] required_endurance_h), never less.
inline constexpr double kRequiredEnduranceHours = 72.0;

struct FeedConfig {
    std::string id;
    std::string name;
    std::string meter;          // modbus device with profile meter
    double nominalVolts = 230;  // the meter's line-to-neutral voltage when the feed is healthy
};

// One point of a generator's consumption curve: litres per hour at a fraction of its rating.
struct BurnPoint {
    double loadFraction = 0;  // 0..1 of rating_kw
    double litresPerHour = 0;
};

// The two sides of the transfer switch, as its aux contacts on_a / on_b name them.
enum class AtsSide { a, b };
std::string_view toString(AtsSide side);

struct GeneratorConfig {
    std::string device;  // modbus device with profile generator
    double ratingKw = 0;
    // At least two points, load fractions strictly increasing in 0..1, litres per hour above 0
    // and never decreasing; interpolated between points (power/fuel_endurance.hpp).
    std::vector<BurnPoint> burnCurve;
    double siteLoadKw = 0;  // the design load the endurance rule is checked at
    double dayTankLitres = 0;
    double bulkTankLitres = 0;
    // The side of the switch the generator backs (with an ATS; "b" unless written).
    std::optional<AtsSide> atsSide;
};

// Which feed each side of the switch takes (absent: that side has no utility feed, e.g. the
// generator alone). Defaults to the first two feeds in order.
struct AtsSources {
    std::optional<std::string> a;
    std::optional<std::string> b;
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
    int warnBeforeMinutes = 10;  // the terminals' users are warned this long before a cut
    int overrideMaxHours = 12;   // the longest override a request may ask for
};

// The relay's point a hub timer switches: "coil_<n>" on a relay board (coil 0..7), "outlet_<n>"
// on a PDU (outlet 1..8; docs/modbus/relay.md, pdu.md).
std::string hubPointName(std::string_view profile, int coil);

struct PowerPlantConfig {
    std::vector<FeedConfig> feeds;
    std::optional<std::string> ats;  // modbus device with profile ats
    AtsSources atsSources;           // meaningful only with an ats
    std::optional<GeneratorConfig> generator;
    std::vector<UpsConfig> ups;
    double requiredEnduranceHours = kRequiredEnduranceHours;
};

struct PowerConfig {
    std::optional<PowerPlantConfig> plant;  // [power]; absent on a site without one
    std::vector<HubTimerConfig> hubTimers;
};

// Hours the generator runs on a full day tank plus bulk tank at site_load_kw, burning along its
// curve.
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
