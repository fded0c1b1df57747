#include "io/modbus_device_config.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace sekimori::io {
namespace {

constexpr std::string_view kDeviceKind = "modbus_device";
constexpr std::initializer_list<ModbusProfile> kAllProfiles = {
    ModbusProfile::ats,  ModbusProfile::generator, ModbusProfile::meter, ModbusProfile::ups,
    ModbusProfile::crac, ModbusProfile::sensor,    ModbusProfile::relay, ModbusProfile::pdu};

std::string profileKind(ModbusProfile profile) {
    return std::string(kDeviceKind) + "." + std::string(modbusProfileName(profile));
}

void readMilliseconds(core::TomlTableReader& r, std::string_view key,
                      std::chrono::milliseconds& field, std::int64_t min, std::int64_t max) {
    if (auto v = r.integer(key, core::Presence::optional, min, max)) {
        field = std::chrono::milliseconds(*v);
    }
}

}  // namespace

std::string_view modbusProfileName(ModbusProfile profile) {
    switch (profile) {
        case ModbusProfile::ats:
            return "ats";
        case ModbusProfile::generator:
            return "generator";
        case ModbusProfile::meter:
            return "meter";
        case ModbusProfile::ups:
            return "ups";
        case ModbusProfile::crac:
            return "crac";
        case ModbusProfile::sensor:
            return "sensor";
        case ModbusProfile::relay:
            return "relay";
        case ModbusProfile::pdu:
            return "pdu";
    }
    return "?";
}

const ModbusDeviceConfig* findModbusDevice(const ModbusDevicesConfig& config, std::string_view id) {
    auto it = std::find_if(config.devices.begin(), config.devices.end(),
                           [&](const ModbusDeviceConfig& d) { return d.id == id; });
    return it == config.devices.end() ? nullptr : &*it;
}

std::vector<std::string_view> ModbusDeviceConfigSection::keys() const {
    return {"modbus_devices"};
}

void ModbusDeviceConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                                     core::IdRegistry& ids) {
    using core::Presence;
    std::vector<std::pair<std::string_view, ModbusProfile>> words;
    for (auto profile : kAllProfiles) {
        words.emplace_back(modbusProfileName(profile), profile);
    }
    auto& diag = root.diagnostics();
    root.forEachTable(
        "modbus_devices", Presence::optional, [&](core::TomlTableReader& r, std::size_t) {
            ModbusDeviceConfig& m = config_.devices.emplace_back();
            m.id = r.id("id", Presence::required).value_or("");
            m.name = r.string("name", Presence::optional).value_or(m.id);
            if (auto host = r.string("host", Presence::required)) {
                m.host = *host;
                if (host->empty()) {
                    diag.error(r.keyPath("host"), "must not be empty");
                }
            }
            if (auto port = r.integer("port", Presence::optional, 1, 65535)) {
                m.port = static_cast<std::uint16_t>(*port);
            }
            if (auto unit = r.integer("unit_id", Presence::optional, 0, 247)) {
                m.unitId = static_cast<int>(*unit);
            }
            auto profile = r.choice<ModbusProfile>("profile", Presence::required, words);
            if (profile) {
                m.profile = *profile;
            }
            readMilliseconds(r, "poll_ms", m.poll, 100, 3'600'000);
            readMilliseconds(r, "timeout_ms", m.timeout, 50, 10'000);
            if (m.timeout >= m.poll) {
                diag.error(r.keyPath("timeout_ms"), "must be shorter than poll_ms (" +
                                                        std::to_string(m.poll.count()) +
                                                        ") so polls never overlap");
            }
            if (ids.declare(kDeviceKind, m.id, r.keyPath("id"), diag) && profile) {
                ids.declare(profileKind(m.profile), m.id, r.keyPath("id"), diag);
            }
        });
}

void ModbusDeviceConfigSection::check(const core::SiteConfig&, const core::IdRegistry&,
                                      core::ConfigDiagnostics& diagnostics) {
    // Two entries for one physical device would poll it twice and race on its registers.
    std::map<std::tuple<std::string, int, int>, std::string> addresses;
    for (std::size_t i = 0; i < config_.devices.size(); ++i) {
        const ModbusDeviceConfig& device = config_.devices[i];
        const std::string here = "modbus_devices[" + std::to_string(i) + "]";
        if (device.host.empty()) {
            continue;
        }
        auto [it, inserted] =
            addresses.emplace(std::tuple(device.host, int{device.port}, device.unitId), here);
        if (!inserted) {
            diagnostics.error(here + ".unit_id", "same host, port and unit_id as " + it->second);
        }
    }
}

bool requireModbusDevice(const core::IdRegistry& ids, const std::string& id,
                         std::initializer_list<ModbusProfile> profiles, const std::string& keyPath,
                         core::ConfigDiagnostics& diagnostics) {
    if (id.empty() || diagnostics.reported(keyPath)) {
        return false;  // reported when it was read
    }
    if (!ids.require(kDeviceKind, id, keyPath, diagnostics)) {
        return false;
    }
    for (auto profile : profiles) {
        if (ids.has(profileKind(profile), id)) {
            return true;
        }
    }
    std::string expected;
    for (auto p : profiles) {
        expected += (expected.empty() ? "" : " or ") + std::string(modbusProfileName(p));
    }
    std::string actual;
    for (auto p : kAllProfiles) {
        if (ids.has(profileKind(p), id)) {
            actual = " has profile " + core::inQuotes(modbusProfileName(p)) + ";";
        }
    }
    diagnostics.error(keyPath,
                      "modbus device " + core::inQuotes(id) + actual + " expected " + expected);
    return false;
}

}  // namespace sekimori::io
