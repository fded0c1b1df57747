#include "app/door_wiring.hpp"

#include <fstream>
#include <map>

#include "app/site_schedules.hpp"
#include "core/crypto.hpp"
#include "doors/door_alarm_rules.hpp"
#include "doors/doors_service.hpp"

namespace sekimori::app {

doors::KnownNames knownNames(const core::SiteConfig& config) {
    doors::KnownNames names;
    for (const auto& z : config.zones) {
        names.zones.insert(z.id);
        // A grant into the server room or the handling area needs a second person.
        if (z.kind == core::ZoneKind::managementArea || z.kind == core::ZoneKind::handlingArea) {
            names.restrictedZones.insert(z.id);
        }
    }
    for (const auto& s : config.schedules) {
        names.schedules.insert(s.id);
    }
    return names;
}

core::Result<doors::EnrollmentKeys> loadOrCreateEnrollmentKeys(const SitePaths& paths) {
    auto pepper = core::loadOrCreateKeyFile(paths.pepperKey.string(), core::kPepperKeySize);
    if (!pepper) {
        return pepper.error();
    }
    auto templateKey = core::loadOrCreateKeyFile(paths.templateKey.string(), core::kBoxKeySize);
    if (!templateKey) {
        return templateKey.error();
    }
    return doors::EnrollmentKeys{std::move(*pepper), std::move(*templateKey)};
}

core::Result<doors::DoorKeys> loadOrCreateDoorKeys(const doors::DoorsConfig& doors,
                                                   const SitePaths& paths) {
    auto enrollment = loadOrCreateEnrollmentKeys(paths);
    if (!enrollment) {
        return enrollment.error();
    }
    doors::DoorKeys keys;
    keys.pepper = std::move(enrollment->pepper);
    keys.templateKey = std::move(enrollment->templateKey);
    // Door panels and circle gates' panels alike (a gate is a portal with its own panel).
    struct Portal {
        std::string panel;
    };
    std::vector<Portal> portals;
    for (const auto& d : doors.doors) {
        portals.push_back(Portal{d.panel});
    }
    for (const auto& g : doors.circleGates) {
        portals.push_back(Portal{g.panel});
    }
    for (const auto& d : portals) {
        if (keys.panelKeys.count(d.panel) != 0) {
            continue;
        }
        auto key = core::loadOrCreateKeyFile(paths.panelKey(d.panel).string(), core::kBoxKeySize);
        if (!key) {
            return key.error();
        }
        keys.panelKeys[d.panel] = std::move(*key);
        // The panel's own public signing key, enrolled from the panel (hex, one line): without
        // it the panel's event reports are refused.
        const auto signPub = paths.panelKeyDir / (d.panel + ".sign.pub");
        if (std::ifstream in(signPub); in) {
            std::string hex;
            std::getline(in, hex);
            auto bytes = core::fromHex(hex);
            if (!bytes || bytes->size() != 32) {
                return core::makeError(
                    "doors.key", signPub.string() + ": not a 32-byte Ed25519 public key in hex");
            }
            keys.panelSignKeys[d.panel] = std::move(*bytes);
        }
    }
    return keys;
}

// [[zones]] as zone -> parent (the root has none).
std::map<std::string, std::string, std::less<>> zoneParents(const core::SiteConfig& config) {
    std::map<std::string, std::string, std::less<>> parents;
    for (const auto& z : config.zones) {
        if (!z.parent.empty()) {
            parents.emplace(z.id, z.parent);
        }
    }
    return parents;
}

std::vector<Domain> doorsDomains() {
    auto rules = std::make_shared<doors::AccessRulesConfigSection>();
    auto doorsSection = std::make_shared<doors::DoorConfigSection>();
    auto offline = std::make_shared<doors::OfflineConfigSection>();  // [offline] (issue 15)
    ServiceFactory factory =
        [rules, doorsSection,
         offline](const DaemonParts& parts) -> core::Result<std::unique_ptr<core::Service>> {
        return makeDoorsService(parts, doorsSection->config(), rules->config(), offline->config());
    };
    std::vector<Domain> domains;
    domains.push_back(Domain{"access_rules", rules, {}});
    domains.push_back(Domain{"offline", offline, {}});
    domains.push_back(Domain{"doors", doorsSection, std::move(factory)});
    return domains;
}

core::Result<std::unique_ptr<core::Service>> makeDoorsService(const DaemonParts& parts,
                                                              const doors::DoorsConfig& config,
                                                              const doors::AccessRulesConfig& rules,
                                                              const doors::OfflineConfig& offline) {
    auto keys = loadOrCreateDoorKeys(config, parts.paths);
    if (!keys) {
        return keys.error();
    }
    std::vector<std::pair<std::string, std::string>> racks;
    for (const auto& door : config.doors) {
        if (door.kind == "rack") {
            racks.emplace_back(door.toZone, door.fromZone);
        }
    }
    const doors::AccessRulesConfig effective = doors::withRackPresence(rules, racks);
    auto siteSchedules = schedules(parts.site);
    if (!siteSchedules) {
        return siteSchedules.error();
    }
    if (auto r = parts.alarmRules.add(doors::doorAlarmRules()); !r) {
        return r.error();
    }
    doors::DoorsServiceParts serviceParts{parts.executor,
                                          parts.router,
                                          parts.recorder,
                                          parts.bus,
                                          parts.clock,
                                          parts.site.site.id,
                                          parts.paths.database.string(),
                                          config,
                                          std::move(*siteSchedules),
                                          std::move(*keys),
                                          std::chrono::milliseconds(2000),
                                          doors::withAccessRules(knownNames(parts.site), effective),
                                          &parts.approvals,
                                          parts.site.daemon.baseDir / "doors" / "web"};
    serviceParts.rules = effective;
    serviceParts.zoneParents = zoneParents(parts.site);
    serviceParts.offline = offline;
    auto service = doors::DoorsService::create(std::move(serviceParts));
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
