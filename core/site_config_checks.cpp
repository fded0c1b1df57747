// Checks the site model as a whole once every table has been read: unique ids, references that
// resolve, zones that nest in order without cycles, one panel per portal, the three-factor rule
// for the management and handling areas, and 72 hours of generator fuel.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "core/site_config_steps.hpp"

namespace sekimori::core {
namespace {

std::string indexed(std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
}

std::string inQuotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// Nesting order: a zone's parent must be of a lower rank (areas are the exception).
int zoneRank(ZoneKind kind) {
    switch (kind) {
        case ZoneKind::site:
            return 0;
        case ZoneKind::building:
            return 1;
        case ZoneKind::floor:
            return 2;
        case ZoneKind::managementArea:
            return 3;
        case ZoneKind::handlingArea:
            return 4;
        case ZoneKind::area:
            return 5;
    }
    return 5;
}

bool hasAllFactors(const std::vector<Factor>& factors) {
    for (auto f : {Factor::card, Factor::pin, Factor::finger}) {
        if (std::find(factors.begin(), factors.end(), f) == factors.end()) {
            return false;
        }
    }
    return true;
}

class SiteChecks {
  public:
    SiteChecks(const SiteConfig& config, ConfigDiagnostics& diagnostics)
        : config_(config), diag_(diagnostics) {}

    void run() {
        checkZones();
        checkUnique(config_.schedules, "schedules", "schedule", nullptr);
        checkPortals();
        checkCameras();
        checkModbusDevices();
        checkPower();
        checkCracUnits();
        checkSensors();
        checkHubTimers();
    }

  private:
    // Reports the second and later uses of an id within one list; ids seen are added to
    // `namespaceIds` when given, so lists sharing a namespace (zones, doors, gates) collide.
    template <class Item>
    void checkUnique(const std::vector<Item>& items, std::string_view list, std::string_view what,
                     std::map<std::string, std::string>* namespaceIds) {
        std::map<std::string, std::string> local;
        auto& seen = namespaceIds != nullptr ? *namespaceIds : local;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string& id = items[i].id;
            if (id.empty()) {
                continue;
            }
            const std::string here = indexed(list, i);
            auto [it, inserted] = seen.emplace(id, here);
            if (!inserted) {
                diag_.error(here + ".id", "duplicate " + std::string(what) + " id " + inQuotes(id) +
                                              " (first used by " + it->second + ")");
            }
        }
    }

    // An empty reference was already reported when it was read.
    bool shouldCheck(const std::string& path, const std::string& id) const {
        return !id.empty() && !diag_.reported(path);
    }

    const ZoneConfig* zoneRef(const std::string& path, const std::string& id) {
        if (!shouldCheck(path, id)) {
            return nullptr;
        }
        const ZoneConfig* zone = findZone(config_, id);
        if (zone == nullptr) {
            diag_.error(path, "unknown zone " + inQuotes(id));
        }
        return zone;
    }

    void deviceRef(const std::string& path, const std::string& id,
                   std::initializer_list<ModbusProfile> profiles) {
        if (!shouldCheck(path, id)) {
            return;
        }
        const ModbusDeviceConfig* device = findModbusDevice(config_, id);
        if (device == nullptr) {
            diag_.error(path, "unknown modbus device " + inQuotes(id));
            return;
        }
        if (std::find(profiles.begin(), profiles.end(), device->profile) != profiles.end()) {
            return;
        }
        std::string expected;
        for (auto p : profiles) {
            expected += (expected.empty() ? "" : " or ") + std::string(modbusProfileName(p));
        }
        diag_.error(path, "modbus device " + inQuotes(id) + " has profile " +
                              inQuotes(modbusProfileName(device->profile)) + "; expected " +
                              expected);
    }

    void checkZones() {
        checkUnique(config_.zones, "zones", "zone", &zoneAndPortalIds_);
        std::size_t roots = 0;
        for (std::size_t i = 0; i < config_.zones.size(); ++i) {
            const ZoneConfig& zone = config_.zones[i];
            const std::string here = indexed("zones", i);
            const bool kindKnown = !diag_.reported(here + ".kind");
            if (kindKnown && zone.kind == ZoneKind::site) {
                ++roots;
                if (roots > 1) {
                    diag_.error(here + ".kind",
                                "a second zone of kind \"site\"; only one site "
                                "root is allowed");
                }
                if (!zone.parent.empty()) {
                    diag_.error(here + ".parent", "the site root has no parent");
                }
                continue;
            }
            if (zone.parent.empty()) {
                if (kindKnown && !diag_.reported(here + ".parent")) {
                    diag_.error(here, "missing key parent; only the site root may omit it");
                }
                continue;
            }
            const ZoneConfig* parent = zoneRef(here + ".parent", zone.parent);
            if (parent == nullptr || !kindKnown || parent == &zone) {
                if (parent == &zone) {
                    diag_.error(here + ".parent", "a zone cannot be its own parent");
                }
                continue;
            }
            const bool ordered = zone.kind == ZoneKind::area
                                     ? parent->kind != ZoneKind::handlingArea
                                     : parent->kind != ZoneKind::area &&
                                           zoneRank(parent->kind) < zoneRank(zone.kind);
            if (!ordered) {
                diag_.error(here + ".parent",
                            "a " + std::string(zoneKindName(zone.kind)) + " cannot sit inside " +
                                std::string(zoneKindName(parent->kind)) + " " +
                                inQuotes(parent->id) +
                                "; zones nest site > building > floor > management_area > "
                                "handling_area (an area fits in any but a handling_area)");
            }
        }
        if (roots == 0 && !config_.zones.empty()) {
            diag_.error("zones", "no zone of kind \"site\"; exactly one site root is required");
        }
        checkZoneCycles();
    }

    void checkZoneCycles() {
        std::map<std::string, std::size_t> indexOf;
        for (std::size_t i = 0; i < config_.zones.size(); ++i) {
            if (!config_.zones[i].id.empty()) {
                indexOf.emplace(config_.zones[i].id, i);
            }
        }
        std::set<std::size_t> inReportedCycle;
        for (std::size_t start = 0; start < config_.zones.size(); ++start) {
            if (inReportedCycle.count(start) != 0) {
                continue;
            }
            std::vector<std::size_t> chain{start};
            std::size_t at = start;
            for (std::size_t steps = 0; steps < config_.zones.size(); ++steps) {
                const std::string& parent = config_.zones[at].parent;
                auto next = parent.empty() ? indexOf.end() : indexOf.find(parent);
                if (next == indexOf.end() || next->second == at) {
                    break;
                }
                at = next->second;
                if (at == start) {
                    std::string text = config_.zones[start].id;
                    for (std::size_t k = 1; k < chain.size(); ++k) {
                        text += " -> " + config_.zones[chain[k]].id;
                    }
                    text += " -> " + config_.zones[start].id;
                    diag_.error(indexed("zones", start) + ".parent", "zone cycle: " + text);
                    inReportedCycle.insert(chain.begin(), chain.end());
                    break;
                }
                chain.push_back(at);
            }
        }
    }

    // Doors and circle gates: both are portals between two zones, served by one panel each.
    template <class Portal>
    void checkPortal(const Portal& portal, const std::string& here,
                     std::map<std::string, std::string>& panels) {
        if (!portal.panel.empty()) {
            auto [it, inserted] = panels.emplace(portal.panel, here);
            if (!inserted) {
                diag_.error(here + ".panel", "panel " + inQuotes(portal.panel) +
                                                 " already serves " + it->second +
                                                 "; one panel drives one door or gate");
            }
        }
        zoneRef(here + ".from_zone", portal.fromZone);
        const ZoneConfig* to = zoneRef(here + ".to_zone", portal.toZone);
        if (!portal.fromZone.empty() && portal.fromZone == portal.toZone) {
            diag_.error(here + ".to_zone", "a portal must join two different zones");
        }
        const std::string factorsPath = here + ".entry_factors";
        if (to != nullptr &&
            (to->kind == ZoneKind::managementArea || to->kind == ZoneKind::handlingArea) &&
            !diag_.reported(factorsPath) && !hasAllFactors(portal.entryFactors)) {
            diag_.error(factorsPath, "entry into " + std::string(zoneKindName(to->kind)) + " " +
                                         inQuotes(to->id) +
                                         " must require all three factors: card, pin, finger");
        }
    }

    void checkPortals() {
        checkUnique(config_.doors, "doors", "door or gate", &zoneAndPortalIds_);
        checkUnique(config_.circleGates, "circle_gates", "door or gate", &zoneAndPortalIds_);
        std::map<std::string, std::string> panels;
        for (std::size_t i = 0; i < config_.doors.size(); ++i) {
            checkPortal(config_.doors[i], indexed("doors", i), panels);
        }
        for (std::size_t i = 0; i < config_.circleGates.size(); ++i) {
            checkPortal(config_.circleGates[i], indexed("circle_gates", i), panels);
        }
    }

    void checkCameras() {
        checkUnique(config_.cameras, "cameras", "camera", nullptr);
        for (std::size_t i = 0; i < config_.cameras.size(); ++i) {
            const CameraConfig& camera = config_.cameras[i];
            const std::string here = indexed("cameras", i);
            if (camera.covers.empty()) {
                if (!diag_.reported(here + ".covers")) {
                    diag_.error(here + ".covers", "must cover at least one door, gate or zone");
                }
                continue;
            }
            for (std::size_t k = 0; k < camera.covers.size(); ++k) {
                const std::string& id = camera.covers[k];
                if (findDoor(config_, id) == nullptr && findCircleGate(config_, id) == nullptr &&
                    findZone(config_, id) == nullptr) {
                    diag_.error(indexed(here + ".covers", k),
                                "unknown door, gate or zone " + inQuotes(id));
                }
            }
        }
    }

    void checkModbusDevices() {
        checkUnique(config_.modbusDevices, "modbus_devices", "modbus device", nullptr);
        std::map<std::tuple<std::string, int, int>, std::string> addresses;
        for (std::size_t i = 0; i < config_.modbusDevices.size(); ++i) {
            const ModbusDeviceConfig& device = config_.modbusDevices[i];
            const std::string here = indexed("modbus_devices", i);
            if (device.timeout >= device.poll) {
                diag_.error(here + ".timeout_ms", "must be shorter than poll_ms (" +
                                                      std::to_string(device.poll.count()) +
                                                      ") so polls never overlap");
            }
            if (device.host.empty()) {
                continue;
            }
            auto [it, inserted] =
                addresses.emplace(std::tuple(device.host, int{device.port}, device.unitId), here);
            if (!inserted) {
                diag_.error(here + ".unit_id", "same host, port and unit_id as " + it->second);
            }
        }
    }

    void checkPower() {
        if (!config_.power) {
            return;
        }
        const PowerConfig& power = *config_.power;
        checkUnique(power.feeds, "power.feeds", "feed", nullptr);
        std::map<std::string, std::string> meters;
        for (std::size_t i = 0; i < power.feeds.size(); ++i) {
            const std::string here = indexed("power.feeds", i);
            const std::string& meter = power.feeds[i].meter;
            deviceRef(here + ".meter", meter, {ModbusProfile::meter});
            if (meter.empty()) {
                continue;
            }
            auto [it, inserted] = meters.emplace(meter, here);
            if (!inserted) {
                diag_.error(here + ".meter",
                            "meter " + inQuotes(meter) + " already measures " + it->second);
            }
        }
        if (power.ats) {
            deviceRef("power.ats", *power.ats, {ModbusProfile::ats});
        }
        if (power.generator) {
            checkGenerator(*power.generator);
        }
        checkUnique(power.ups, "power.ups", "ups", nullptr);
        for (std::size_t i = 0; i < power.ups.size(); ++i) {
            if (power.ups[i].device) {
                deviceRef(indexed("power.ups", i) + ".device", *power.ups[i].device,
                          {ModbusProfile::ups});
            }
        }
    }

    void checkGenerator(const GeneratorConfig& generator) {
        deviceRef("power.generator.device", generator.device, {ModbusProfile::generator});
        for (const char* key : {"day_tank_l", "bulk_tank_l", "burn_l_per_h_at_site_load"}) {
            if (diag_.reported(std::string("power.generator.") + key)) {
                return;  // the figure below would be built on a value that was never read
            }
        }
        const double litres = generator.dayTankLitres + generator.bulkTankLitres;
        const double hours = litres / generator.burnLitresPerHourAtSiteLoad;
        if (hours < requiredEnduranceHours) {
            char text[256];
            std::snprintf(text, sizeof text,
                          "fuel lasts %.1f h at site load ((day_tank_l %.0f + bulk_tank_l %.0f) / "
                          "burn_l_per_h_at_site_load %.1f); at least %.0f h required",
                          hours, generator.dayTankLitres, generator.bulkTankLitres,
                          generator.burnLitresPerHourAtSiteLoad, requiredEnduranceHours);
            diag_.error("power.generator", text);
        }
    }

    void checkCracUnits() {
        checkUnique(config_.cracUnits, "crac_units", "crac unit", nullptr);
        for (std::size_t i = 0; i < config_.cracUnits.size(); ++i) {
            const std::string here = indexed("crac_units", i);
            zoneRef(here + ".zone", config_.cracUnits[i].zone);
            deviceRef(here + ".device", config_.cracUnits[i].device, {ModbusProfile::crac});
        }
    }

    void checkSensors() {
        checkUnique(config_.sensors, "sensors", "sensor", nullptr);
        for (std::size_t i = 0; i < config_.sensors.size(); ++i) {
            const std::string here = indexed("sensors", i);
            zoneRef(here + ".zone", config_.sensors[i].zone);
            deviceRef(here + ".device", config_.sensors[i].device, {ModbusProfile::sensor});
        }
    }

    void checkHubTimers() {
        checkUnique(config_.hubTimers, "hub_timers", "hub timer", nullptr);
        std::map<std::pair<std::string, int>, std::string> coils;
        for (std::size_t i = 0; i < config_.hubTimers.size(); ++i) {
            const HubTimerConfig& timer = config_.hubTimers[i];
            const std::string here = indexed("hub_timers", i);
            deviceRef(here + ".relay.device", timer.relay.device,
                      {ModbusProfile::relay, ModbusProfile::pdu});
            if (shouldCheck(here + ".schedule", timer.schedule) &&
                findSchedule(config_, timer.schedule) == nullptr) {
                diag_.error(here + ".schedule", "unknown schedule " + inQuotes(timer.schedule));
            }
            if (timer.relay.device.empty() || diag_.reported(here + ".relay.coil")) {
                continue;
            }
            auto [it, inserted] =
                coils.emplace(std::pair(timer.relay.device, timer.relay.coil), here);
            if (!inserted) {
                diag_.error(here + ".relay.coil", "coil " + std::to_string(timer.relay.coil) +
                                                      " of " + inQuotes(timer.relay.device) +
                                                      " already switches " + it->second);
            }
        }
    }

    static constexpr double requiredEnduranceHours = 72.0;

    const SiteConfig& config_;
    ConfigDiagnostics& diag_;
    std::map<std::string, std::string> zoneAndPortalIds_;
};

}  // namespace

void checkSiteConfig(const SiteConfig& config, ConfigDiagnostics& diagnostics) {
    SiteChecks(config, diagnostics).run();
}

}  // namespace sekimori::core
