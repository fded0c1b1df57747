// Checks core's part of the site model once every table has been read: zones that nest in order
// without cycles under exactly one site root, and plan rectangles that lie on their floor's plan.
// Unique ids were declared while reading (IdRegistry); domain rules (three factors, 90 days of
// footage, 72 h of fuel) are checked by the domains' own sections.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/site_config_steps.hpp"

namespace sekimori::core {
namespace {

std::string indexed(std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
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

class SiteChecks {
  public:
    SiteChecks(const SiteConfig& config, const IdRegistry& ids, ConfigDiagnostics& diagnostics)
        : config_(config), ids_(ids), diag_(diagnostics) {}

    void run() {
        checkZones();
        checkPlans();
    }

  private:
    // An empty reference was already reported when it was read.
    bool shouldCheck(const std::string& path, const std::string& id) const {
        return !id.empty() && !diag_.reported(path);
    }

    const ZoneConfig* zoneRef(const std::string& path, const std::string& id) {
        if (!shouldCheck(path, id)) {
            return nullptr;
        }
        if (!ids_.require("zone", id, path, diag_)) {
            return nullptr;
        }
        return findZone(config_, id);
    }

    void checkZones() {
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

    // A floor's plan is its extent; every other plan is a rectangle on the plan of the floor the
    // zone lies on, which must have one, and stays inside it.
    void checkPlans() {
        for (std::size_t i = 0; i < config_.zones.size(); ++i) {
            const ZoneConfig& zone = config_.zones[i];
            if (!zone.plan || zone.kind == ZoneKind::floor) {
                continue;
            }
            const std::string here = indexed("zones", i) + ".plan";
            // A zone whose place in the tree is already wrong cannot be placed on a floor.
            if (zone.id.empty() || diag_.reported(indexed("zones", i) + ".parent")) {
                continue;
            }
            const ZoneConfig* floor = floorOf(config_, zone.id);
            if (floor == nullptr) {
                diag_.error(here, std::string(zoneKindName(zone.kind)) + " " + inQuotes(zone.id) +
                                      " lies on no floor; only a floor and the zones inside one "
                                      "are drawn on a plan");
                continue;
            }
            if (!floor->plan) {
                diag_.error(here, "floor " + inQuotes(floor->id) +
                                      " has no plan; give it plan = { w = ..., h = ... } to draw " +
                                      inQuotes(zone.id) + " on it");
                continue;
            }
            const PlanRect& r = *zone.plan;
            const PlanRect& extent = *floor->plan;
            if (r.x + r.w > extent.w || r.y + r.h > extent.h) {
                diag_.error(here, "the rectangle (x " + number(r.x) + ".." + number(r.x + r.w) +
                                      ", y " + number(r.y) + ".." + number(r.y + r.h) +
                                      ") leaves floor " + inQuotes(floor->id) + "'s plan (w " +
                                      number(extent.w) + ", h " + number(extent.h) + ")");
            }
        }
    }

    // 12, 12.5: as written, without trailing zeros.
    static std::string number(double value) {
        std::ostringstream out;
        out << value;
        return out.str();
    }

    const SiteConfig& config_;
    const IdRegistry& ids_;
    ConfigDiagnostics& diag_;
};

}  // namespace

void checkSiteConfig(const SiteConfig& config, const IdRegistry& ids,
                     ConfigDiagnostics& diagnostics) {
    SiteChecks(config, ids, diagnostics).run();
}

}  // namespace sekimori::core
