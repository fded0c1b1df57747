// The shared [[modbus_devices]] section and the profile check domains use on it.
#include "io/modbus_device_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"

namespace sekimori::io {
namespace {

// The smallest valid site (ends on line 10).
constexpr std::string_view minimalSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"
)";

core::Result<core::SiteConfig> load(std::string_view extra, ModbusDeviceConfigSection& section) {
    std::vector<core::ConfigSection*> sections{&section};
    return core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra), "t.toml",
                                          sections, "/srv/x");
}

TEST(ModbusDeviceConfig, ReadsDevicesWithDefaults) {
    ModbusDeviceConfigSection section;
    const auto site =
        load("[[modbus_devices]]\nid = \"m\"\nhost = \"10.0.0.7\"\nprofile = \"ats\"\n", section);
    ASSERT_TRUE(site.ok()) << site.error().message;
    const ModbusDeviceConfig* device = findModbusDevice(section.config(), "m");
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->port, 502);
    EXPECT_EQ(device->unitId, 1);
    EXPECT_EQ(device->profile, ModbusProfile::ats);
    EXPECT_EQ(device->poll, std::chrono::milliseconds(1000));
    EXPECT_EQ(findModbusDevice(section.config(), "n"), nullptr);
}

TEST(ModbusDeviceConfig, TimeoutMustBeShorterThanPoll) {
    ModbusDeviceConfigSection section;
    const auto site = load(
        "[[modbus_devices]]\nid = \"m\"\nhost = \"h\"\nprofile = \"meter\"\npoll_ms = 500\n"
        "timeout_ms = 500\n",
        section);
    ASSERT_FALSE(site.ok());
    EXPECT_EQ(site.error().message,
              "t.toml:16:14: modbus_devices[0].timeout_ms: must be shorter than poll_ms (500) so "
              "polls never overlap");
}

TEST(ModbusDeviceConfig, OneEntryPerPhysicalDevice) {
    ModbusDeviceConfigSection section;
    const auto site = load(
        "[[modbus_devices]]\nid = \"m1\"\nhost = \"h\"\nprofile = \"meter\"\n"
        "[[modbus_devices]]\nid = \"m2\"\nhost = \"h\"\nprofile = \"ats\"\n",
        section);
    ASSERT_FALSE(site.ok());
    EXPECT_EQ(site.error().message,
              "t.toml:15:1: modbus_devices[1].unit_id: same host, port and unit_id as "
              "modbus_devices[0]");
}

TEST(ModbusDeviceConfig, RequireChecksKindAndProfile) {
    core::ConfigDiagnostics diag("r.toml");
    core::IdRegistry ids;
    ModbusDeviceConfigSection section;
    const auto document = toml::parse(
        "[[modbus_devices]]\nid = \"relay-1\"\nhost = \"h\"\nprofile = \"relay\"\n"
        "[[modbus_devices]]\nid = \"pdu-1\"\nhost = \"h\"\nunit_id = 2\nprofile = \"pdu\"\n");
    core::TomlTableReader root(document, "", diag);
    section.read(root, "/", ids);
    ASSERT_TRUE(diag.empty()) << diag.joined();
    EXPECT_TRUE(
        requireModbusDevice(ids, "relay-1", {ModbusProfile::relay, ModbusProfile::pdu}, "a", diag));
    EXPECT_TRUE(
        requireModbusDevice(ids, "pdu-1", {ModbusProfile::relay, ModbusProfile::pdu}, "b", diag));
    EXPECT_FALSE(requireModbusDevice(ids, "pdu-1", {ModbusProfile::meter}, "c", diag));
    EXPECT_FALSE(requireModbusDevice(ids, "relay-2", {ModbusProfile::relay}, "d", diag));
    EXPECT_EQ(diag.joined(),
              "r.toml:1:1: c: modbus device \"pdu-1\" has profile \"pdu\"; expected meter\n"
              "r.toml:1:1: d: unknown modbus device \"relay-2\" (did you mean \"relay-1\"?)");
}

}  // namespace
}  // namespace sekimori::io
