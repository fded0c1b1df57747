// Feeds arbitrary bytes to the site configuration loader. It must never crash, hang or leak, and
// whatever it accepts must hold the promises the daemon relies on (ids valid, references resolve).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/site_config.hpp"

namespace {

using namespace sekimori::core;

void require(bool promise) {
    if (!promise) {
        __builtin_trap();
    }
}

void checkAccepted(const SiteConfig& config) {
    for (const auto& zone : config.zones) {
        require(isValidConfigId(zone.id));
        require(zone.parent.empty() == (zone.kind == ZoneKind::site));
        require(zone.parent.empty() || findZone(config, zone.parent) != nullptr);
    }
    for (const auto& door : config.doors) {
        require(isValidConfigId(door.id) && isValidConfigId(door.panel));
        require(findZone(config, door.fromZone) != nullptr);
        const ZoneConfig* to = findZone(config, door.toZone);
        require(to != nullptr);
        require(!door.entryFactors.empty() && door.entryFactors.front() == Factor::card);
        if (to->kind == ZoneKind::managementArea || to->kind == ZoneKind::handlingArea) {
            require(door.entryFactors.size() == 3);
        }
    }
    for (const auto& camera : config.cameras) {
        require(camera.retentionDays >= 90);
    }
    if (config.power && config.power->generator) {
        const auto& g = *config.power->generator;
        require((g.dayTankLitres + g.bulkTankLitres) / g.burnLitresPerHourAtSiteLoad >= 72.0);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = loadSiteConfigFromString(text, "fuzz.toml", "/fuzz");
    if (result.ok()) {
        checkAccepted(result.value());
    } else {
        require(!result.error().message.empty());
    }
    return 0;
}
