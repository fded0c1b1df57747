#pragma once
// The shared [[modbus_devices]] section: every Modbus TCP device of the site, whichever domain
// polls it (power: meters, ATS, generator, UPS; hvac: CRAC units and sensors; power: relays and
// PDUs of hub timers). Declares ids of kind "modbus_device" and, per profile,
// "modbus_device.<profile>", so a domain checks "a device with profile meter" through the
// IdRegistry alone (requireModbusDevice below).
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::io {

enum class ModbusProfile { ats, generator, meter, ups, crac, sensor, relay, pdu };

// The TOML spelling ("generator", "pdu").
std::string_view modbusProfileName(ModbusProfile profile);

struct ModbusDeviceConfig {
    std::string id;
    std::string name;
    std::string host;
    std::uint16_t port = 502;
    int unitId = 1;
    ModbusProfile profile = ModbusProfile::meter;
    std::chrono::milliseconds poll{1000};
    std::chrono::milliseconds timeout{500};  // always shorter than poll: polls never overlap
};

struct ModbusDevicesConfig {
    std::vector<ModbusDeviceConfig> devices;
};

// nullptr when absent.
const ModbusDeviceConfig* findModbusDevice(const ModbusDevicesConfig& config, std::string_view id);

class ModbusDeviceConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const ModbusDevicesConfig& config() const { return config_; }

  private:
    ModbusDevicesConfig config_;
};

// For a domain's reference to a device: true when `id` names a device with one of `profiles`;
// otherwise reports "unknown modbus device" (with a did-you-mean) or the profile it has instead.
bool requireModbusDevice(const core::IdRegistry& ids, const std::string& id,
                         std::initializer_list<ModbusProfile> profiles, const std::string& keyPath,
                         core::ConfigDiagnostics& diagnostics);

}  // namespace sekimori::io
