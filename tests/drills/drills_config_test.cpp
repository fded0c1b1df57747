// [drills] as the drills section reads and checks it: the simulator only on this host, the
// timing's bounds, every series point on a device of the site.
#include "drills/drills_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"
#include "io/modbus_device_config.hpp"

namespace sekimori::drills {
namespace {

constexpr std::string_view kSite = R"(
[site]
id = "fx"
name = "Fixture site"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"

[[modbus_devices]]
id = "gen-1"
host = "127.0.0.1"
profile = "generator"
unit_id = 2
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    DrillsConfig drills;
};

Loaded load(std::string_view extra) {
    io::ModbusDeviceConfigSection devices;
    DrillsConfigSection section;
    std::vector<core::ConfigSection*> sections{&devices, &section};
    auto site = core::loadSiteConfigFromString(std::string(kSite) + std::string(extra), "t.toml",
                                               sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

TEST(DrillsConfig, WithoutTheTableADrillCanOnlyObserveWithTheDefaultTiming) {
    const auto loaded = load("");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_FALSE(loaded.drills.present) << "no page on a site that rehearses nothing";
    EXPECT_FALSE(loaded.drills.simulator);
    EXPECT_EQ(loaded.drills.timing.hold, std::chrono::seconds(60));
    EXPECT_EQ(loaded.drills.timing.enduranceHold, std::chrono::seconds(600));
    EXPECT_EQ(loaded.drills.timing.settle, std::chrono::seconds(60));
    EXPECT_TRUE(loaded.drills.upsCharge.point.empty());
    EXPECT_EQ(loaded.drills.siteName, "Fixture site");
}

TEST(DrillsConfig, ReadsTheSimulatorTimingSeriesAndLimits) {
    const auto loaded = load(R"(
[drills]
simulator = "127.0.0.1:15021"
hold_s = 20
settle_s = 15
fuel = "gen-1.fuel_level"
fuel_litres_per_unit = 9.5
fuel_reserve_l = 30000
load_frequency = "gen-1.frequency"
transfer_max_s = 8
)");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_TRUE(loaded.drills.present);
    ASSERT_TRUE(loaded.drills.simulator);
    EXPECT_EQ(loaded.drills.simulator->port, 15021);
    EXPECT_EQ(loaded.drills.timing.hold, std::chrono::seconds(20));
    EXPECT_EQ(loaded.drills.timing.settle, std::chrono::seconds(15));
    EXPECT_EQ(loaded.drills.fuelLitres.point, "gen-1.fuel_level");
    EXPECT_DOUBLE_EQ(loaded.drills.fuelLitres.scale, 9.5);
    EXPECT_DOUBLE_EQ(loaded.drills.fuelLitres.offset, 30000);
    EXPECT_EQ(loaded.drills.loadFrequency.point, "gen-1.frequency");
    EXPECT_DOUBLE_EQ(loaded.drills.limits.transferMaxS, 8);
    EXPECT_DOUBLE_EQ(loaded.drills.limits.generatorOnLoadMaxS, 10) << "the default";
}

TEST(DrillsConfig, RefusesASimulatorElsewhereAPointOnNoDeviceAndATimingOutOfBounds) {
    const struct {
        const char* text;
        const char* key;
        const char* says;
    } cases[] = {
        {"simulator = \"10.0.0.5:15021\"", "drills.simulator", "on this host"},
        {"simulator = \"nonsense\"", "drills.simulator", "127.0.0.1:PORT"},
        {"room_temp = \"env-9.temp\"", "drills.room_temp", "no modbus device or UPS 'env-9'"},
        {"ups_charge = \"battery\"", "drills.ups_charge", "<device>.<point>"},
        {"hold_s = 1", "drills.hold_s", ""},
        {"settle = 3", "drills.settle", ""},  // an unknown key
    };
    for (const auto& c : cases) {
        const auto loaded = load(std::string("[drills]\n") + c.text + "\n");
        ASSERT_FALSE(loaded.site.ok()) << c.text;
        const std::string& message = loaded.site.error().message;
        EXPECT_NE(message.find(c.key), std::string::npos) << message;
        EXPECT_NE(message.find(c.says), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace sekimori::drills
