// [power] and [[hub_timers]] as power's own section reads and checks them, the 72-hour fuel rule
// included; devices come from the shared [[modbus_devices]] section.
#include "power/power_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"
#include "io/modbus_device_config.hpp"

namespace sekimori::power {
namespace {

// The smallest valid site with a meter, a generator and a relay (ends on line 33).
constexpr std::string_view minimalSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"

[[schedules]]
id = "office"
name = "Office hours"
windows = [{ days = ["mon"], start = "08:00", end = "18:00" }]

[[modbus_devices]]
id = "meter-a"
host = "127.0.0.1"
profile = "meter"
unit_id = 1

[[modbus_devices]]
id = "gen-1"
host = "127.0.0.1"
profile = "generator"
unit_id = 2

[[modbus_devices]]
id = "relay-1"
host = "127.0.0.1"
profile = "relay"
unit_id = 3
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    PowerConfig power;
};

Loaded load(std::string_view extra) {
    io::ModbusDeviceConfigSection devices;
    PowerConfigSection section;
    std::vector<core::ConfigSection*> sections{&devices, &section};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

std::string plant(std::string_view burn, std::string_view meter = "meter-a") {
    return "[power]\nfeeds = [{ id = \"a\", name = \"A\", meter = \"" + std::string(meter) +
           "\" }]\n[power.generator]\ndevice = \"gen-1\"\nday_tank_l = 1000\n"
           "bulk_tank_l = 14000\nburn_l_per_h_at_site_load = " +
           std::string(burn) + "\n";
}

constexpr const char* timer =
    "[[hub_timers]]\nid = \"h1\"\nname = \"H\"\nrelay = { device = \"relay-1\", coil = 3 }\n"
    "schedule = \"office\"\n";

TEST(PowerConfig, ReadsThePlantAndAHubTimer) {
    const auto loaded = load(plant("200") + timer);
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    ASSERT_TRUE(loaded.power.plant.has_value());
    ASSERT_TRUE(loaded.power.plant->generator.has_value());
    EXPECT_DOUBLE_EQ(fuelEnduranceHours(*loaded.power.plant->generator), 75.0);
    ASSERT_EQ(loaded.power.hubTimers.size(), 1U);
    EXPECT_EQ(loaded.power.hubTimers[0].relay.coil, 3);
    EXPECT_EQ(loaded.power.hubTimers[0].schedule, "office");
}

TEST(PowerConfig, NoPowerTableIsFine) {
    const auto loaded = load("");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_FALSE(loaded.power.plant.has_value());
}

struct TextCase {
    const char* name;
    std::string extra;
    const char* expected;
};

const TextCase textCases[] = {
    {"FuelBelowSeventyTwoHours", plant("250"),
     "t.toml:36:1: power.generator: fuel lasts 60.0 h at site load ((day_tank_l 1000 + "
     "bulk_tank_l 14000) / burn_l_per_h_at_site_load 250.0); at least 72 h required"},
    {"FeedMeterWithWrongProfile", plant("200", "gen-1"),
     "t.toml:35:42: power.feeds[0].meter: modbus device \"gen-1\" has profile \"generator\"; "
     "expected meter"},
    {"FeedMeterUnknown", plant("200", "meter-b"),
     "t.toml:35:42: power.feeds[0].meter: unknown modbus device \"meter-b\" (did you mean "
     "\"meter-a\"?)"},
    {"NoFeeds", "[power]\nfeeds = []\n",
     "t.toml:35:9: power.feeds: a site needs at least one utility feed"},
    {"BadNutAddress",
     plant("200") + "[[power.ups]]\nid = \"u\"\nname = \"U\"\nnut = \"127.0.0.1:3493\"\n",
     "t.toml:44:7: power.ups[0].nut: \"127.0.0.1:3493\" is not upsname@host[:port]"},
    {"UnknownSchedule",
     "[[hub_timers]]\nid = \"h1\"\nname = \"H\"\nrelay = { device = \"relay-1\", coil = 3 }\n"
     "schedule = \"offce\"\n",
     "t.toml:38:12: hub_timers[0].schedule: unknown schedule \"offce\" (did you mean "
     "\"office\"?)"},
    {"TwoTimersOneCoil",
     std::string(timer) +
         "[[hub_timers]]\nid = \"h2\"\nname = \"H\"\nrelay = { device = \"relay-1\", coil = 3 }\n"
         "schedule = \"office\"\n",
     "t.toml:42:38: hub_timers[1].relay.coil: coil 3 of \"relay-1\" already switches "
     "hub_timers[0]"},
};

class PowerConfigText : public ::testing::TestWithParam<TextCase> {};

TEST_P(PowerConfigText, ReportsExactly) {
    const auto loaded = load(GetParam().extra);
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_EQ(loaded.site.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(PowerConfig, PowerConfigText, ::testing::ValuesIn(textCases),
                         [](const auto& param) { return std::string(param.param.name); });

TEST(PowerConfig, UpsAddressesTakeTheDefaultPort) {
    const auto loaded =
        load(plant("200") +
             "[[power.ups]]\nid = \"u1\"\nname = \"U\"\nnut = \"ups1@10.0.0.9\"\n"
             "[[power.ups]]\nid = \"u2\"\nname = \"U\"\nnut = \"ups2@[::1]:3494\"\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& ups = loaded.power.plant->ups;
    ASSERT_EQ(ups.size(), 2U);
    EXPECT_EQ(ups[0].nutUps, "ups1");
    EXPECT_EQ(ups[0].nutHost, "10.0.0.9");
    EXPECT_EQ(ups[0].nutPort, 3493);
    EXPECT_EQ(ups[1].nutHost, "::1");
    EXPECT_EQ(ups[1].nutPort, 3494);
}

}  // namespace
}  // namespace sekimori::power
