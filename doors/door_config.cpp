// Reads [[doors]] and [[circle_gates]] and checks them against the zones: each portal joins two
// different zones, one panel drives one portal, entry into a management or handling area takes
// all three factors (the site's rule for My Number data, 特定個人情報の取扱区域), and a plan point
// lies on the plan of the portal's floor.
#include "doors/door_config.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace sekimori::doors {
namespace {

using core::Presence;
using core::TomlTableReader;
using protocol::Factor;

std::string indexed(std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
}

void readMilliseconds(TomlTableReader& r, std::string_view key, std::chrono::milliseconds& field,
                      std::int64_t min, std::int64_t max) {
    if (auto v = r.integer(key, Presence::optional, min, max)) {
        field = std::chrono::milliseconds(*v);
    }
}

int readInt(TomlTableReader& r, std::string_view key, int fallback, std::int64_t min,
            std::int64_t max) {
    return static_cast<int>(r.integer(key, Presence::optional, min, max).value_or(fallback));
}

// Ordered factors: no repeats, card first (the card names whose PIN and finger to ask for).
// Entry factors are required and non-empty; exit factors may be absent or empty.
std::vector<Factor> readFactors(TomlTableReader& r, std::string_view key, Presence presence) {
    std::vector<Factor> factors;
    auto& diag = r.diagnostics();
    auto words = r.stringArray(key, presence);
    if (!words) {
        return factors;
    }
    if (words->empty() && presence == Presence::required) {
        diag.error(r.keyPath(key), "must name at least one factor");
    }
    for (std::size_t i = 0; i < words->size(); ++i) {
        const std::string itemPath = indexed(r.keyPath(key), i);
        const std::string& word = (*words)[i];
        std::optional<Factor> factor;
        for (auto f : {Factor::card, Factor::pin, Factor::finger}) {
            if (protocol::toString(f) == word) {
                factor = f;
            }
        }
        if (!factor) {
            diag.error(itemPath, "unknown factor \"" + word + "\"; expected card, pin or finger");
        } else if (std::find(factors.begin(), factors.end(), *factor) != factors.end()) {
            diag.error(itemPath, "factor \"" + word + "\" listed twice");
        } else {
            factors.push_back(*factor);
        }
    }
    if (!factors.empty() && factors.front() != Factor::card) {
        diag.error(r.keyPath(key) + "[0]", "the first factor must be \"card\"");
    }
    return factors;
}

// The keys a door and a circle gate share: who they are, which panel, which zones, factors.
template <class Portal>
void readPortal(TomlTableReader& r, Portal& p) {
    p.id = r.id("id", Presence::required).value_or("");
    p.name = r.string("name", Presence::required).value_or("");
    p.panel = r.id("panel", Presence::required).value_or("");
    p.fromZone = r.id("from_zone", Presence::required).value_or("");
    p.toZone = r.id("to_zone", Presence::required).value_or("");
    p.entryFactors = readFactors(r, "entry_factors", Presence::required);
    p.exitFactors = readFactors(r, "exit_factors", Presence::optional);
    if (const toml::table* plan = r.table("plan", Presence::optional)) {
        TomlTableReader point(*plan, r.keyPath("plan"), r.diagnostics());
        auto x = point.number("x", Presence::required, 0, core::kMaxPlanCoordinate);
        auto y = point.number("y", Presence::required, 0, core::kMaxPlanCoordinate);
        point.finish();
        if (x && y) {
            p.plan = PlanPoint{"", *x, *y};
        }
    }
}

// 12, 12.5: as written, without trailing zeros.
std::string number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

bool hasAllFactors(const std::vector<Factor>& factors) {
    for (auto f : {Factor::card, Factor::pin, Factor::finger}) {
        if (std::find(factors.begin(), factors.end(), f) == factors.end()) {
            return false;
        }
    }
    return true;
}

std::vector<std::string> panelsOf(const DoorsConfig& config) {
    std::vector<std::string> panels;
    for (const auto& d : config.doors) {
        panels.push_back(d.panel);
    }
    for (const auto& g : config.circleGates) {
        panels.push_back(g.panel);
    }
    return panels;
}

class PortalChecks {
  public:
    PortalChecks(const core::SiteConfig& site, const core::IdRegistry& ids,
                 core::ConfigDiagnostics& diagnostics)
        : site_(site), ids_(ids), diag_(diagnostics) {}

    template <class Portal>
    void check(Portal& portal, const std::string& here) {
        // Camera covers and presence name doors, gates and zones by bare id: one id, one thing.
        if (!portal.id.empty()) {
            const std::string zoneAt = ids_.declaredAt("zone", portal.id);
            if (!zoneAt.empty()) {
                diag_.error(here + ".id", "duplicate door or gate id " + core::inQuotes(portal.id) +
                                              " (first used by " + zoneAt + ")");
            }
        }
        if (!portal.panel.empty()) {
            auto [it, inserted] = panels_.emplace(portal.panel, here);
            if (!inserted) {
                diag_.error(here + ".panel", "panel " + core::inQuotes(portal.panel) +
                                                 " already serves " + it->second +
                                                 "; one panel drives one door or gate");
            }
        }
        zoneRef(here + ".from_zone", portal.fromZone);
        const core::ZoneConfig* to = zoneRef(here + ".to_zone", portal.toZone);
        if (!portal.fromZone.empty() && portal.fromZone == portal.toZone) {
            diag_.error(here + ".to_zone", "a portal must join two different zones");
        }
        const std::string factorsPath = here + ".entry_factors";
        const bool restricted = to != nullptr && (to->kind == core::ZoneKind::managementArea ||
                                                  to->kind == core::ZoneKind::handlingArea);
        if (restricted && !diag_.reported(factorsPath) && !hasAllFactors(portal.entryFactors)) {
            diag_.error(factorsPath, "entry into " + std::string(core::zoneKindName(to->kind)) +
                                         " " + core::inQuotes(to->id) +
                                         " must require all three factors: card, pin, finger");
        }
        if (portal.plan) {
            placeOnPlan(portal, here);
        }
    }

  private:
    // Finds the floor the portal is drawn on and keeps the point inside that floor's plan.
    template <class Portal>
    void placeOnPlan(Portal& portal, const std::string& here) {
        const std::string planPath = here + ".plan";
        if (core::findZone(site_, portal.toZone) == nullptr ||
            core::findZone(site_, portal.fromZone) == nullptr) {
            portal.plan.reset();  // an unknown zone was reported
            return;
        }
        const core::ZoneConfig* floor = core::floorOf(site_, portal.toZone);
        if (floor == nullptr) {
            floor = core::floorOf(site_, portal.fromZone);
        }
        if (floor == nullptr) {
            diag_.error(planPath, "neither to_zone " + core::inQuotes(portal.toZone) +
                                      " nor from_zone " + core::inQuotes(portal.fromZone) +
                                      " lies on a floor; a portal is drawn on its floor's plan");
        } else if (!floor->plan) {
            diag_.error(planPath, "floor " + core::inQuotes(floor->id) +
                                      " has no plan; give it plan = { w = ..., h = ... } to draw " +
                                      core::inQuotes(portal.id) + " on it");
        } else if (portal.plan->x > floor->plan->w || portal.plan->y > floor->plan->h) {
            diag_.error(planPath,
                        "the point (" + number(portal.plan->x) + ", " + number(portal.plan->y) +
                            ") lies outside floor " + core::inQuotes(floor->id) + "'s plan (w " +
                            number(floor->plan->w) + ", h " + number(floor->plan->h) + ")");
        } else {
            portal.plan->floor = floor->id;
            return;
        }
        portal.plan.reset();
    }

    const core::ZoneConfig* zoneRef(const std::string& path, const std::string& id) {
        if (id.empty() || diag_.reported(path) || !ids_.require("zone", id, path, diag_)) {
            return nullptr;
        }
        return core::findZone(site_, id);
    }

    const core::SiteConfig& site_;
    const core::IdRegistry& ids_;
    core::ConfigDiagnostics& diag_;
    std::map<std::string, std::string> panels_;  // panel -> the portal it serves
};

}  // namespace

std::vector<std::string_view> DoorConfigSection::keys() const {
    return {"doors", "circle_gates", "door_lockout"};
}

void DoorConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                             core::IdRegistry& ids) {
    auto& diag = root.diagnostics();
    // Doors and gates share one id space: a camera covers "front" without saying which it is.
    root.forEachTable("doors", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        DoorConfig& d = config_.doors.emplace_back();
        readPortal(r, d);
        readMilliseconds(r, "unlock_ms", d.unlock, 500, 60'000);
        readMilliseconds(r, "step_timeout_ms", d.stepTimeout, 1'000, 120'000);
        d.fingerThreshold = readInt(r, "finger_threshold", d.fingerThreshold, 0, 100);
        readMilliseconds(r, "held_open_ms", d.heldOpen, 1'000, 3'600'000);
        if (ids.declare("door_or_gate", d.id, r.keyPath("id"), diag)) {
            ids.declare("door", d.id, r.keyPath("id"), diag);
        }
    });
    root.forEachTable("circle_gates", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        CircleGateConfig& g = config_.circleGates.emplace_back();
        readPortal(r, g);
        // A circle gate is a one-person booth: the whole point is that two cannot pass.
        g.maxOccupants = readInt(r, "max_occupants", g.maxOccupants, 1, 1);
        g.maxWeightKg = r.number("max_weight_kg", Presence::required, 30.0, 300.0).value_or(0);
        readMilliseconds(r, "cycle_timeout_ms", g.cycleTimeout, 5'000, 600'000);
        readMilliseconds(r, "step_timeout_ms", g.stepTimeout, 1'000, 120'000);
        g.fingerThreshold = readInt(r, "finger_threshold", g.fingerThreshold, 0, 100);
        if (ids.declare("door_or_gate", g.id, r.keyPath("id"), diag)) {
            ids.declare("circle_gate", g.id, r.keyPath("id"), diag);
        }
    });
    // Per card, across doors. (Not [doors.lockout]: in TOML that is a table of the last door.)
    if (const toml::table* table = root.table("door_lockout", Presence::optional)) {
        TomlTableReader r(*table, "door_lockout", diag);
        LockoutConfig& l = config_.lockout;
        l.maxFailures = readInt(r, "max_failures", l.maxFailures, 1, 100);
        if (auto v = r.integer("window_s", Presence::optional, 10, 86'400)) {
            l.window = std::chrono::seconds(*v);
        }
        if (auto v = r.integer("lock_s", Presence::optional, 10, 86'400)) {
            l.lock = std::chrono::seconds(*v);
        }
        r.finish();
    }
    // Panels are declared once each; a second portal on one panel is reported in check().
    for (const auto& panel : panelsOf(config_)) {
        if (!ids.has("panel", panel)) {
            ids.declare("panel", panel, "", diag);
        }
    }
}

void DoorConfigSection::check(const core::SiteConfig& site, const core::IdRegistry& ids,
                              core::ConfigDiagnostics& diagnostics) {
    PortalChecks checks(site, ids, diagnostics);
    for (std::size_t i = 0; i < config_.doors.size(); ++i) {
        checks.check(config_.doors[i], indexed("doors", i));
    }
    for (std::size_t i = 0; i < config_.circleGates.size(); ++i) {
        checks.check(config_.circleGates[i], indexed("circle_gates", i));
    }
}

}  // namespace sekimori::doors
