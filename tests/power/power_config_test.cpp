// [power] and [[hub_timers]] as power's own section reads and checks them, the 72-hour fuel rule
// on the generator's burn curve and the switch's topology included; devices come from the
// shared [[modbus_devices]] section.
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

// After the minimal site (34 lines with its leading newline): [power] on line 34, the feed on
// 35, [power.generator] on 36, its keys on 37..42 (burn_curve on 39).
constexpr std::string_view kCurve = "[[0.0, 30], [0.5, 150], [1.0, 250]]";

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

// 200 L/h at 375 kW on kCurve (0.75 of 500 kW): 15,000 L last 75 h; at 500 kW 250 L/h, 60 h.
std::string plant(std::string_view siteLoad, std::string_view meter = "meter-a",
                  std::string_view curve = kCurve, std::string_view power = "") {
    return "[power]\nfeeds = [{ id = \"a\", name = \"A\", meter = \"" + std::string(meter) +
           "\" }]\n" + std::string(power) +
           "[power.generator]\ndevice = \"gen-1\"\nrating_kw = 500\nburn_curve = " +
           std::string(curve) + "\nsite_load_kw = " + std::string(siteLoad) +
           "\nday_tank_l = 1000\nbulk_tank_l = 14000\n";
}

std::string withCurve(std::string_view curve) {
    return plant("375", "meter-a", curve);
}

constexpr const char* timer =
    "[[hub_timers]]\nid = \"h1\"\nname = \"H\"\nrelay = { device = \"relay-1\", coil = 3 }\n"
    "schedule = \"office\"\n";

TEST(PowerConfig, ReadsThePlantAndAHubTimer) {
    const auto loaded = load(plant("375") + timer);
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    ASSERT_TRUE(loaded.power.plant.has_value());
    ASSERT_TRUE(loaded.power.plant->generator.has_value());
    const GeneratorConfig& generator = *loaded.power.plant->generator;
    EXPECT_DOUBLE_EQ(fuelEnduranceHours(generator), 75.0);
    EXPECT_DOUBLE_EQ(generator.ratingKw, 500.0);
    EXPECT_DOUBLE_EQ(generator.siteLoadKw, 375.0);
    ASSERT_EQ(generator.burnCurve.size(), 3U);
    EXPECT_DOUBLE_EQ(generator.burnCurve[1].loadFraction, 0.5);
    EXPECT_DOUBLE_EQ(generator.burnCurve[1].litresPerHour, 150.0);
    EXPECT_FALSE(generator.atsSide.has_value());  // no switch
    EXPECT_DOUBLE_EQ(loaded.power.plant->requiredEnduranceHours, 72.0);
    EXPECT_DOUBLE_EQ(loaded.power.plant->feeds[0].nominalVolts, 230.0);
    ASSERT_EQ(loaded.power.hubTimers.size(), 1U);
    EXPECT_EQ(loaded.power.hubTimers[0].relay.coil, 3);
    EXPECT_EQ(loaded.power.hubTimers[0].schedule, "office");
    EXPECT_EQ(loaded.power.hubTimers[0].warnBeforeMinutes, 10);
    EXPECT_EQ(loaded.power.hubTimers[0].overrideMaxHours, 12);
    EXPECT_EQ(hubPointName("relay", 3), "coil_3");
    EXPECT_EQ(hubPointName("pdu", 3), "outlet_3");
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
    {"FuelBelowSeventyTwoHours", plant("500"),
     "t.toml:36:1: power.generator: fuel lasts 60.0 h at site load ((day_tank_l 1000 + "
     "bulk_tank_l 14000) / 250.0 L/h, burn_curve at site_load_kw 500 of rating_kw 500); at "
     "least 72 h required"},
    {"FuelBelowTheSitesOwnRequirement",
     plant("375", "meter-a", kCurve, "required_endurance_h = 80\n"),
     "t.toml:37:1: power.generator: fuel lasts 75.0 h at site load ((day_tank_l 1000 + "
     "bulk_tank_l 14000) / 200.0 L/h, burn_curve at site_load_kw 375 of rating_kw 500); at "
     "least 80 h required"},
    {"RequirementBelowSeventyTwoHours",
     plant("375", "meter-a", kCurve, "required_endurance_h = 48\n"),
     "t.toml:36:24: power.required_endurance_h: 48 is out of range 72..8760"},
    {"SiteLoadAboveRating", plant("600"),
     "t.toml:40:16: power.generator.site_load_kw: site load 600 kW exceeds the generator's "
     "rating_kw 500"},
    {"CurveOfOnePoint", withCurve("[[0.5, 100]]"),
     "t.toml:39:14: power.generator.burn_curve: needs at least 2 points [load_fraction, "
     "litres_per_hour]; found 1"},
    {"CurveNotAnArray", withCurve("150"),
     "t.toml:39:14: power.generator.burn_curve: expected array of [load_fraction, "
     "litres_per_hour] pairs, found integer"},
    {"CurveFractionsRepeat", withCurve("[[0.5, 100], [0.5, 120]]"),
     "t.toml:39:27: power.generator.burn_curve[1]: load fractions must increase strictly: 0.5 "
     "after 0.5"},
    {"CurveBurnFalls", withCurve("[[0.0, 100], [1.0, 90]]"),
     "t.toml:39:27: power.generator.burn_curve[1]: litres per hour must not decrease as the load "
     "grows: 90 after 100"},
    {"CurveFractionAboveOne", withCurve("[[0.0, 30], [1.5, 250]]"),
     "t.toml:39:26: power.generator.burn_curve[1]: load fraction 1.5 is out of range 0..1"},
    {"CurveBurnsNothing", withCurve("[[0.0, 0], [1.0, 250]]"),
     "t.toml:39:15: power.generator.burn_curve[0]: litres per hour 0 must be above 0 and at "
     "most 100000 (a diesel burns fuel even idle)"},
    {"CurvePointNotAPair", withCurve("[[0.0, 30], [1.0]]"),
     "t.toml:39:26: power.generator.burn_curve[1]: expected [load_fraction, litres_per_hour] "
     "(two numbers)"},
    {"TheOldFlatBurnFigure", plant("375") + "burn_l_per_h_at_site_load = 200\n",
     "t.toml:43:1: power.generator.burn_l_per_h_at_site_load: unknown key"},
    {"AtsSourcesWithoutAts", plant("375", "meter-a", kCurve, "ats_sources = { a = \"b\" }\n"),
     "t.toml:36:15: power.ats_sources: ats_sources needs ats (the switch they feed)"},
    {"AtsSideWithoutAts", plant("375") + "ats_side = \"b\"\n",
     "t.toml:43:12: power.generator.ats_side: ats_side needs ats (the switch the generator "
     "backs)"},
    {"FeedMeterWithWrongProfile", plant("375", "gen-1"),
     "t.toml:35:42: power.feeds[0].meter: modbus device \"gen-1\" has profile \"generator\"; "
     "expected meter"},
    {"FeedMeterUnknown", plant("375", "meter-b"),
     "t.toml:35:42: power.feeds[0].meter: unknown modbus device \"meter-b\" (did you mean "
     "\"meter-a\"?)"},
    {"NoFeeds", "[power]\nfeeds = []\n",
     "t.toml:35:9: power.feeds: a site needs at least one utility feed"},
    {"BadNutAddress",
     plant("375") + "[[power.ups]]\nid = \"u\"\nname = \"U\"\nnut = \"127.0.0.1:3493\"\n",
     "t.toml:46:7: power.ups[0].nut: \"127.0.0.1:3493\" is not upsname@host[:port]"},
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
    {"RelayCoilOutOfRange",
     "[[hub_timers]]\nid = \"h1\"\nname = \"H\"\nrelay = { device = \"relay-1\", coil = 8 }\n"
     "schedule = \"office\"\n",
     "t.toml:37:38: hub_timers[0].relay.coil: a relay board's coil is 0..7"},
    {"WarningTooLate", std::string(timer) + "warn_before_min = 0\n",
     "t.toml:39:19: hub_timers[0].warn_before_min: 0 is out of range 1..120"},
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
        load(plant("375") +
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

// The second device table of a site with a switch: which feed each side takes.
constexpr std::string_view kAts = R"(
[[modbus_devices]]
id = "meter-b"
host = "127.0.0.1"
profile = "meter"
unit_id = 4

[[modbus_devices]]
id = "ats-1"
host = "127.0.0.1"
profile = "ats"
unit_id = 5
)";

std::string twoFeeds(std::string_view power, std::string_view generator = "") {
    return std::string(kAts) +
           "[power]\nats = \"ats-1\"\nfeeds = [{ id = \"a\", name = \"A\", meter = "
           "\"meter-a\" }, { id = \"b\", name = \"B\", meter = \"meter-b\", nominal_v = 400 }]\n" +
           std::string(power) +
           "[power.generator]\ndevice = \"gen-1\"\nrating_kw = 500\nburn_curve = " +
           std::string(kCurve) + "\nsite_load_kw = 375\nday_tank_l = 1000\nbulk_tank_l = 14000\n" +
           std::string(generator);
}

TEST(PowerConfig, TheSwitchTakesTheFirstTwoFeedsAndTheGeneratorBacksSideB) {
    const auto loaded = load(twoFeeds(""));
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const PowerPlantConfig& plant = *loaded.power.plant;
    EXPECT_EQ(plant.atsSources.a, "a");
    EXPECT_EQ(plant.atsSources.b, "b");
    EXPECT_EQ(plant.generator->atsSide, AtsSide::b);
    EXPECT_DOUBLE_EQ(plant.feeds[1].nominalVolts, 400.0);
}

TEST(PowerConfig, TheSwitchsSidesAsWritten) {
    const auto loaded = load(twoFeeds("ats_sources = { a = \"b\" }\n", "ats_side = \"b\"\n"));
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_EQ(loaded.power.plant->atsSources.a, "b");
    EXPECT_FALSE(loaded.power.plant->atsSources.b.has_value());  // the generator alone
}

TEST(PowerConfig, TheSwitchsSourcesMustBeFeeds) {
    auto loaded = load(twoFeeds("ats_sources = { a = \"a\", b = \"c\" }\n"));
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_NE(loaded.site.error().message.find("power.ats_sources.b: unknown feed \"c\""),
              std::string::npos)
        << loaded.site.error().message;
    loaded = load(twoFeeds("ats_sources = { a = \"a\", b = \"a\" }\n"));
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_NE(loaded.site.error().message.find(
                  "power.ats_sources.b: feed \"a\" is already on side a; a feed feeds one side"),
              std::string::npos)
        << loaded.site.error().message;
}

}  // namespace
}  // namespace sekimori::power
