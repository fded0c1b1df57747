#pragma once
// The whole site file, checked with core's tables, the shared [[modbus_devices]] section and
// every domain's section (app/domains.hpp). What the daemon and the CLI load.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/domain.hpp"
#include "core/result.hpp"
#include "core/site_config_model.hpp"
#include "io/modbus_device_config.hpp"

namespace sekimori::app {

struct SiteFile {
    core::SiteConfig site;
    std::shared_ptr<io::ModbusDeviceConfigSection> modbusDevices;
    std::vector<Domain> domains;

    // The checked section of type S (doors::DoorConfigSection, ...), or nullptr.
    template <class S>
    const S* section() const {
        for (const auto& domain : domains) {
            if (const auto* found = dynamic_cast<const S*>(domain.section.get())) {
                return found;
            }
        }
        return nullptr;
    }
};

// The error codes of core::loadSiteConfig (core/site_config.hpp).
core::Result<SiteFile> loadSiteFile(const std::string& path);
core::Result<SiteFile> loadSiteFileFromString(std::string_view toml, std::string_view nameForErrors,
                                              const std::filesystem::path& configDir = {});

}  // namespace sekimori::app
