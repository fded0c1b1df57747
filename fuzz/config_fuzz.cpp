// Feeds arbitrary bytes to the site configuration loader with every domain's section, as
// sekimorid loads it (app/site_file.hpp). It must never crash, hang or leak, and whatever it
// accepts must hold the promises the daemon relies on (ids valid, references resolve, the site
// rules each domain's section keeps).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/site_file.hpp"
#include "cameras/camera_config.hpp"
#include "core/site_config.hpp"
#include "doors/door_config.hpp"
#include "power/power_config.hpp"

namespace {

using namespace sekimori;

void require(bool promise) {
    if (!promise) {
        __builtin_trap();
    }
}

void checkAccepted(const app::SiteFile& file) {
    const core::SiteConfig& site = file.site;
    for (const auto& zone : site.zones) {
        require(core::isValidConfigId(zone.id));
        require(zone.parent.empty() == (zone.kind == core::ZoneKind::site));
        require(zone.parent.empty() || core::findZone(site, zone.parent) != nullptr);
    }
    for (const auto& door : file.section<doors::DoorConfigSection>()->config().doors) {
        require(core::isValidConfigId(door.id) && core::isValidConfigId(door.panel));
        require(core::findZone(site, door.fromZone) != nullptr);
        const core::ZoneConfig* to = core::findZone(site, door.toZone);
        require(to != nullptr);
        require(!door.entryFactors.empty() && door.entryFactors.front() == protocol::Factor::card);
        if (to->kind == core::ZoneKind::managementArea ||
            to->kind == core::ZoneKind::handlingArea) {
            require(door.entryFactors.size() == 3);
        }
    }
    for (const auto& camera : file.section<cameras::CameraConfigSection>()->config().cameras) {
        require(camera.retentionDays >= cameras::kMinRetentionDays);
    }
    const auto& power = file.section<power::PowerConfigSection>()->config();
    if (power.plant && power.plant->generator) {
        require(power::fuelEnduranceHours(*power.plant->generator) >=
                power::kRequiredEnduranceHours);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = app::loadSiteFileFromString(text, "fuzz.toml", "/fuzz");
    if (result.ok()) {
        checkAccepted(result.value());
    } else {
        require(!result.error().message.empty());
    }
    return 0;
}
