// Reads [[doors]] and [[circle_gates]] and checks them against the zones: each portal joins two
// different zones, one panel drives one portal, entry into a management or handling area takes
// all three factors (the site's rule for My Number data, 特定個人情報の取扱区域), and a plan point
// lies on the plan of the portal's floor.
#include "doors/door_config.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "protocol/card_format.hpp"
#include "protocol/ids.hpp"

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

// Ordered factors without repeats (the order is checked by checkFactorOrder once the portal's
// keypad_only is known). Entry factors are required and non-empty; exit factors may be absent
// or empty.
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
    return factors;
}

// Card first: the card names whose PIN and finger to ask for. A keypad-only door has no card
// reader outside, so there the PIN alone is the entry factor (its code names the person); its
// exit may be a keypad too (["pin"]) or a card reader inside.
void checkFactorOrder(TomlTableReader& r, std::string_view key, const std::vector<Factor>& factors,
                      bool keypadOnly, bool entry) {
    auto& diag = r.diagnostics();
    if (factors.empty() || diag.reported(r.keyPath(key))) {
        return;
    }
    const bool pinOnly = factors == std::vector<Factor>{Factor::pin};
    if (keypadOnly && entry) {
        if (!pinOnly) {
            diag.error(r.keyPath(key), "a keypad_only door takes exactly [\"pin\"]");
        }
    } else if (keypadOnly && pinOnly) {
        return;
    } else if (factors.front() != Factor::card) {
        diag.error(r.keyPath(key) + "[0]",
                   factors == std::vector<Factor>{Factor::pin}
                       ? "the first factor must be \"card\"; a PIN-only door needs keypad_only = "
                         "true"
                       : "the first factor must be \"card\"");
    }
}

// card_formats = ["felica", ...]: names of protocol/card_format.hpp, no repeats.
std::vector<std::string> readCardFormats(TomlTableReader& r) {
    std::vector<std::string> formats;
    auto words = r.stringArray("card_formats", Presence::optional);
    if (!words) {
        return formats;
    }
    for (std::size_t i = 0; i < words->size(); ++i) {
        const std::string& word = (*words)[i];
        const std::string itemPath = indexed(r.keyPath("card_formats"), i);
        if (!protocol::cardFormatFromString(word)) {
            r.diagnostics().error(itemPath, "unknown card format " + core::inQuotes(word) +
                                                "; expected felica, mifare, wiegand26, "
                                                "wiegand34 or wiegand37");
        } else if (std::find(formats.begin(), formats.end(), word) != formats.end()) {
            r.diagnostics().error(itemPath,
                                  "card format " + core::inQuotes(word) + " listed twice");
        } else {
            formats.push_back(word);
        }
    }
    return formats;
}

// first_person_in = { schedule = "...", groups = [...] }; the references are checked in check().
std::optional<DoorConfig::FirstPersonIn> readFirstPersonIn(TomlTableReader& r) {
    const toml::table* table = r.table("first_person_in", Presence::optional);
    if (table == nullptr) {
        return std::nullopt;
    }
    TomlTableReader in(*table, r.keyPath("first_person_in"), r.diagnostics());
    DoorConfig::FirstPersonIn first;
    first.schedule = in.id("schedule", Presence::required).value_or("");
    auto groups = in.stringArray("groups", Presence::optional);
    in.finish();
    if (groups) {
        for (std::size_t i = 0; i < groups->size(); ++i) {
            const std::string itemPath = indexed(in.keyPath("groups"), i);
            if (!protocol::isValidId((*groups)[i])) {
                r.diagnostics().error(itemPath, "invalid id " + core::inQuotes((*groups)[i]) +
                                                    "; ids are 1..64 characters of [a-z0-9_-]");
            } else {
                first.groups.push_back((*groups)[i]);
            }
        }
    }
    return first;
}

// [card_formats] wiegand_facility_codes = [12, 34]: 0..65535 (a 26-bit card's code is 0..255),
// no repeats. TomlTableReader has no integer arrays, so the elements are read here.
void readCardFormatsTable(TomlTableReader& root, CardFormatsConfig& out) {
    const toml::table* table = root.table("card_formats", Presence::optional);
    if (table == nullptr) {
        return;
    }
    auto& diag = root.diagnostics();
    TomlTableReader r(*table, "card_formats", diag);
    r.claim("wiegand_facility_codes");
    r.finish();
    const toml::node* node = table->get("wiegand_facility_codes");
    if (node == nullptr) {
        return;
    }
    const std::string path = r.keyPath("wiegand_facility_codes");
    const auto at = [](const toml::node& n) {
        return core::SourcePos{n.source().begin.line, n.source().begin.column};
    };
    const auto* array = node->as_array();
    if (array == nullptr) {
        diag.errorAt(
            at(*node), path,
            "expected array of integers, found " + std::string(core::tomlTypeName(node->type())));
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string itemPath = indexed(path, i);
        const auto* value = element.as_integer();
        if (value == nullptr) {
            diag.errorAt(
                at(element), itemPath,
                "expected integer, found " + std::string(core::tomlTypeName(element.type())));
            continue;
        }
        const std::int64_t code = value->get();
        if (code < 0 || code > 65'535) {
            diag.errorAt(at(element), itemPath, std::to_string(code) + " is out of range 0..65535");
        } else if (std::find(out.wiegandFacilityCodes.begin(), out.wiegandFacilityCodes.end(),
                             static_cast<std::uint32_t>(code)) != out.wiegandFacilityCodes.end()) {
            diag.errorAt(at(element), itemPath,
                         "facility code " + std::to_string(code) + " listed twice");
        } else {
            out.wiegandFacilityCodes.push_back(static_cast<std::uint32_t>(code));
        }
    }
}

// The keys a door and a circle gate share: who they are, which panel, which zones, factors.
// keypadOnly: the door's keypad_only (a circle gate always reads a card).
template <class Portal>
void readPortal(TomlTableReader& r, Portal& p, bool keypadOnly) {
    p.id = r.id("id", Presence::required).value_or("");
    p.name = r.string("name", Presence::required).value_or("");
    p.panel = r.id("panel", Presence::required).value_or("");
    p.fromZone = r.id("from_zone", Presence::required).value_or("");
    p.toZone = r.id("to_zone", Presence::required).value_or("");
    p.entryFactors = readFactors(r, "entry_factors", Presence::required);
    p.exitFactors = readFactors(r, "exit_factors", Presence::optional);
    checkFactorOrder(r, "entry_factors", p.entryFactors, keypadOnly, true);
    checkFactorOrder(r, "exit_factors", p.exitFactors, keypadOnly, false);
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
    return {"doors", "circle_gates", "door_lockout", "card_formats"};
}

void DoorConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                             core::IdRegistry& ids) {
    auto& diag = root.diagnostics();
    // Doors and gates share one id space: a camera covers "front" without saying which it is.
    root.forEachTable("doors", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        DoorConfig& d = config_.doors.emplace_back();
        d.kind = r.choice<std::string>(
                      "kind", Presence::optional,
                      {{"door", "door"}, {"rack", "rack"}, {"key_cabinet", "key_cabinet"}})
                     .value_or("door");
        d.camera = r.id("camera", Presence::optional).value_or("");
        d.keypadOnly = r.boolean("keypad_only", Presence::optional).value_or(false);
        readPortal(r, d, d.keypadOnly);
        readMilliseconds(r, "unlock_ms", d.unlock, 500, 60'000);
        readMilliseconds(r, "step_timeout_ms", d.stepTimeout, 1'000, 120'000);
        d.fingerThreshold = readInt(r, "finger_threshold", d.fingerThreshold, 0, 100);
        readMilliseconds(r, "held_open_ms", d.heldOpen, 1'000, 3'600'000);
        readMilliseconds(r, "held_open_warning_ms", d.heldOpenWarning, 0, 3'600'000);
        if (d.heldOpenWarning.count() > 0 && d.heldOpenWarning >= d.heldOpen) {
            diag.error(r.keyPath("held_open_warning_ms"),
                       "the pre-alarm must come before held_open_ms (" +
                           std::to_string(d.heldOpen.count()) + ")");
        }
        d.cardFormats = readCardFormats(r);
        const bool readsACard = !d.exitFactors.empty() && d.exitFactors.front() == Factor::card;
        if (d.keypadOnly && !readsACard && !d.cardFormats.empty()) {
            diag.error(r.keyPath("card_formats"),
                       "a keypad_only door reads no card unless its exit_factors start with card");
        }
        d.firstPersonIn = readFirstPersonIn(r);
        if (ids.declare("door_or_gate", d.id, r.keyPath("id"), diag)) {
            ids.declare("door", d.id, r.keyPath("id"), diag);
        }
    });
    root.forEachTable("circle_gates", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        CircleGateConfig& g = config_.circleGates.emplace_back();
        readPortal(r, g, false);
        // A circle gate is a one-person booth: the whole point is that two cannot pass.
        g.maxOccupants = readInt(r, "max_occupants", g.maxOccupants, 1, 1);
        g.maxWeightKg = r.number("max_weight_kg", Presence::required, 30.0, 300.0).value_or(0);
        readMilliseconds(r, "cycle_timeout_ms", g.cycleTimeout, 5'000, 600'000);
        readMilliseconds(r, "step_timeout_ms", g.stepTimeout, 1'000, 120'000);
        g.fingerThreshold = readInt(r, "finger_threshold", g.fingerThreshold, 0, 100);
        g.camera = r.id("camera", Presence::optional).value_or("");
        g.weightTolerancePct = readInt(r, "weight_tolerance_pct", g.weightTolerancePct, 0, 50);
        g.outerFailSafe = r.boolean("outer_fail_safe", Presence::optional).value_or(true);
        g.innerFailSafe = r.boolean("inner_fail_safe", Presence::optional).value_or(false);
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
    readCardFormatsTable(root, config_.cardFormats);
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
        const auto& first = config_.doors[i].firstPersonIn;
        if (!first) {
            continue;
        }
        const std::string here = indexed("doors", i) + ".first_person_in";
        if (!first->schedule.empty() && !diagnostics.reported(here + ".schedule")) {
            ids.require("schedule", first->schedule, here + ".schedule", diagnostics);
        }
        for (std::size_t g = 0; g < first->groups.size(); ++g) {
            ids.require("group", first->groups[g], indexed(here + ".groups", g), diagnostics);
        }
    }
    for (std::size_t i = 0; i < config_.doors.size(); ++i) {
        const std::string here = indexed("doors", i);
        const DoorConfig& door = config_.doors[i];
        if (!door.camera.empty() && !diagnostics.reported(here + ".camera")) {
            ids.require("camera", door.camera, here + ".camera", diagnostics);
        }
    }
    for (std::size_t i = 0; i < config_.circleGates.size(); ++i) {
        const CircleGateConfig& gate = config_.circleGates[i];
        const std::string here = indexed("circle_gates", i);
        checks.check(config_.circleGates[i], here);
        // The camera is the cameras domain's id (declared by [[cameras]]).
        if (!gate.camera.empty() && !diagnostics.reported(here + ".camera")) {
            ids.require("camera", gate.camera, here + ".camera", diagnostics);
        }
    }
}

}  // namespace sekimori::doors
