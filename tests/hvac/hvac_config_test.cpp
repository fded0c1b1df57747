// [[crac_units]] and [[sensors]] as hvac's own section reads and checks them; devices come from
// the shared [[modbus_devices]] section.
#include "hvac/hvac_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"
#include "io/modbus_device_config.hpp"

namespace sekimori::hvac {
namespace {

// The smallest valid site with a CRAC controller and a sensor module (ends on line 28).
constexpr std::string_view minimalSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"

[[zones]]
id = "server-room"
name = "Server room"
parent = "site"
kind = "area"

[[modbus_devices]]
id = "crac-ctl"
host = "127.0.0.1"
profile = "crac"
unit_id = 1

[[modbus_devices]]
id = "io-1"
host = "127.0.0.1"
profile = "sensor"
unit_id = 2
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    HvacConfig hvac;
};

Loaded load(std::string_view extra) {
    io::ModbusDeviceConfigSection devices;
    HvacConfigSection section;
    std::vector<core::ConfigSection*> sections{&devices, &section};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

TEST(HvacConfig, ReadsCracUnitsAndSensors) {
    const auto loaded = load(
        "[[crac_units]]\nid = \"crac-1\"\nname = \"CRAC 1\"\nzone = \"server-room\"\n"
        "device = \"crac-ctl\"\n"
        "[[sensors]]\nid = \"t1\"\nname = \"T1\"\nzone = \"server-room\"\ndevice = \"io-1\"\n"
        "kind = \"temperature\"\nchannel = 2\nmin = 15\nmax = 27\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    ASSERT_EQ(loaded.hvac.cracUnits.size(), 1U);
    EXPECT_DOUBLE_EQ(loaded.hvac.cracUnits[0].supplyTempMaxC, 27.0);
    ASSERT_EQ(loaded.hvac.sensors.size(), 1U);
    EXPECT_EQ(loaded.hvac.sensors[0].channel, 2);
    EXPECT_EQ(loaded.hvac.sensors[0].max, 27.0);
}

TEST(HvacConfig, ReadsTheClimateSettingsWithAshraeDefaults) {
    const auto defaults = load("");
    ASSERT_TRUE(defaults.site.ok()) << defaults.site.error().message;
    EXPECT_EQ(defaults.hvac.climate.alarmDelayS, 60);
    EXPECT_DOUBLE_EQ(defaults.hvac.climate.dewPointMinC, -9.0);
    EXPECT_DOUBLE_EQ(defaults.hvac.climate.dewPointMaxC, 15.0);
    EXPECT_DOUBLE_EQ(defaults.hvac.climate.rateLimitC, 5.0);
    EXPECT_EQ(defaults.hvac.climate.rateWindowS, 900);
    const auto loaded = load(
        "[hvac]\nalarm_delay_s = 120\nrestore_delay_s = 30\ndeadband_c = 0.3\n"
        "deadband_rh = 3\ndew_point_min_c = -5\ndew_point_max_c = 13\nrate_limit_c = 5\n"
        "rate_window_s = 3600\npower_window_s = 600\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& c = loaded.hvac.climate;
    EXPECT_EQ(c.alarmDelayS, 120);
    EXPECT_EQ(c.restoreDelayS, 30);
    EXPECT_DOUBLE_EQ(c.deadbandC, 0.3);
    EXPECT_DOUBLE_EQ(c.deadbandRh, 3.0);
    EXPECT_DOUBLE_EQ(c.dewPointMinC, -5.0);
    EXPECT_DOUBLE_EQ(c.dewPointMaxC, 13.0);
    EXPECT_EQ(c.rateWindowS, 3600);
    EXPECT_EQ(c.powerWindowS, 600);
}

struct TextCase {
    const char* name;
    const char* extra;
    const char* expected;
};

const TextCase textCases[] = {
    {"LeakSensorWithThreshold",
     "[[sensors]]\nid = \"l\"\nname = \"L\"\nzone = \"server-room\"\ndevice = \"io-1\"\n"
     "kind = \"leak\"\nmax = 1.0\n",
     "t.toml:35:7: sensors[0].max: a leak sensor has no thresholds; it alarms on wet"},
    {"MaxNotAboveMin",
     "[[sensors]]\nid = \"t\"\nname = \"T\"\nzone = \"server-room\"\ndevice = \"io-1\"\n"
     "kind = \"humidity\"\nmin = 60\nmax = 40\n",
     "t.toml:36:7: sensors[0].max: must be above min"},
    {"SensorOnACracController",
     "[[sensors]]\nid = \"t\"\nname = \"T\"\nzone = \"server-room\"\ndevice = \"crac-ctl\"\n"
     "kind = \"temperature\"\n",
     "t.toml:33:10: sensors[0].device: modbus device \"crac-ctl\" has profile \"crac\"; "
     "expected sensor"},
    {"CracInUnknownZone",
     "[[crac_units]]\nid = \"c\"\nname = \"C\"\nzone = \"server-rooom\"\ndevice = \"crac-ctl\"\n",
     "t.toml:32:8: crac_units[0].zone: unknown zone \"server-rooom\" (did you mean "
     "\"server-room\"?)"},
    {"ReturnNotAboveSupply",
     "[[crac_units]]\nid = \"c\"\nname = \"C\"\nzone = \"server-room\"\ndevice = \"crac-ctl\"\n"
     "supply_temp_max_c = 30\nreturn_temp_max_c = 25\n",
     "t.toml:35:21: crac_units[0].return_temp_max_c: return_temp_max_c must be above "
     "supply_temp_max_c"},
    {"DewPointRangeUpsideDown", "[hvac]\ndew_point_min_c = 10\ndew_point_max_c = 5\n",
     "t.toml:31:19: hvac.dew_point_max_c: dew_point_max_c must be above dew_point_min_c"},
    {"UnknownHvacKey", "[hvac]\nalarm_delay = 5\n",
     "t.toml:30:1: hvac.alarm_delay: unknown key (did you mean \"alarm_delay_s\"?)"},
    {"TwoSensorsOfOneKindOnOneDevice",
     "[[sensors]]\nid = \"a\"\nname = \"A\"\nzone = \"server-room\"\ndevice = \"io-1\"\n"
     "kind = \"temperature\"\n"
     "[[sensors]]\nid = \"b\"\nname = \"B\"\nzone = \"server-room\"\ndevice = \"io-1\"\n"
     "kind = \"temperature\"\n",
     "t.toml:40:8: sensors[1].kind: sensors[0] already reads the temperature point of device "
     "\"io-1\"; its profile has one of each kind"},
};

class HvacConfigText : public ::testing::TestWithParam<TextCase> {};

TEST_P(HvacConfigText, ReportsExactly) {
    const auto loaded = load(GetParam().extra);
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_EQ(loaded.site.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(HvacConfig, HvacConfigText, ::testing::ValuesIn(textCases),
                         [](const auto& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace sekimori::hvac
