// Reads [[groups]], [[access_levels]], [[zone_rules]] and [lockdown], and checks every zone,
// schedule and group they name, and the rules that only make sense together.
#include "doors/access_rules_config.hpp"

namespace sekimori::doors {
namespace {

using core::Presence;
using core::TomlTableReader;

std::string indexed(std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
}

std::chrono::seconds readSeconds(TomlTableReader& r, std::string_view key,
                                 std::chrono::seconds fallback, std::int64_t min,
                                 std::int64_t max) {
    return std::chrono::seconds(r.integer(key, Presence::optional, min, max)
                                    .value_or(static_cast<std::int64_t>(fallback.count())));
}

void requireGroups(const std::vector<std::string>& groups, const std::string& path,
                   const core::IdRegistry& ids, core::ConfigDiagnostics& diag) {
    for (std::size_t i = 0; i < groups.size(); ++i) {
        ids.require("group", groups[i], indexed(path, i), diag);
    }
}

ZoneRules readZoneRules(TomlTableReader& r) {
    ZoneRules z;
    z.zone = r.id("zone", Presence::required).value_or("");
    z.antiPassback = r.choice<AntiPassback>("anti_passback", Presence::optional,
                                            {{"off", AntiPassback::off},
                                             {"soft", AntiPassback::soft},
                                             {"hard", AntiPassback::hard},
                                             {"timed", AntiPassback::timed}})
                         .value_or(AntiPassback::off);
    z.passbackTimeout = readSeconds(r, "passback_timeout_s", z.passbackTimeout, 1, 7 * 86'400);
    z.occupancyLimit =
        static_cast<int>(r.integer("occupancy_limit", Presence::optional, 0, 100'000).value_or(0));
    z.twoPerson = r.boolean("two_person", Presence::optional).value_or(false);
    z.companionWindow = readSeconds(r, "companion_window_s", z.companionWindow, 1, 300);
    z.neverAlone = r.boolean("never_alone", Presence::optional).value_or(false);
    z.aloneGrace = readSeconds(r, "alone_grace_s", z.aloneGrace, 0, 300);
    z.escortHosts =
        r.stringArray("escort_hosts", Presence::optional).value_or(std::vector<std::string>{});
    z.workWindow = r.boolean("work_window", Presence::optional).value_or(false);
    z.presenceIn = r.id("presence_in", Presence::optional).value_or("");
    z.othersPresent =
        static_cast<int>(r.integer("others_present", Presence::optional, 0, 10).value_or(0));
    auto& diag = r.diagnostics();
    if (z.othersPresent > 0 && z.presenceIn.empty()) {
        diag.error(r.keyPath("others_present"),
                   "others_present counts people in the presence_in zone: set presence_in");
    }
    if (!z.presenceIn.empty() && z.presenceIn == z.zone) {
        diag.error(r.keyPath("presence_in"),
                   "presence_in names the room around the zone, not the zone itself");
    }
    if (z.antiPassback == AntiPassback::timed && z.passbackTimeout.count() == 0) {
        diag.error(r.keyPath("passback_timeout_s"),
                   "anti_passback = \"timed\" needs passback_timeout_s (seconds)");
    } else if (z.antiPassback != AntiPassback::timed && z.passbackTimeout.count() != 0) {
        diag.error(r.keyPath("passback_timeout_s"),
                   "passback_timeout_s is only used with anti_passback = \"timed\"");
    }
    if (z.neverAlone && !z.twoPerson) {
        diag.error(r.keyPath("never_alone"),
                   "never_alone needs two_person = true: one person cannot enter alone first");
    }
    return z;
}

}  // namespace

const ZoneRules* AccessRulesConfig::rulesFor(std::string_view zone) const {
    auto it = zoneRules.find(zone);
    return it == zoneRules.end() ? nullptr : &it->second;
}

AccessRulesConfig withRackPresence(
    AccessRulesConfig rules, const std::vector<std::pair<std::string, std::string>>& rackPortals) {
    for (const auto& [rack, room] : rackPortals) {
        ZoneRules& z = rules.zoneRules[rack];  // a zone with no rules row gets one
        z.zone = rack;
        if (z.presenceIn.empty()) {
            z.presenceIn = room;
        }
    }
    return rules;
}

std::vector<std::string_view> AccessRulesConfigSection::keys() const {
    return {"groups", "access_levels", "zone_rules", "lockdown"};
}

void AccessRulesConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                                    core::IdRegistry& ids) {
    auto& diag = root.diagnostics();
    root.forEachTable("groups", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        GroupConfig g;
        g.id = r.id("id", Presence::required).value_or("");
        g.name = r.string("name", Presence::required).value_or("");
        if (!g.id.empty() && ids.declare("group", g.id, r.keyPath("id"), diag)) {
            config_.groups.push_back(std::move(g));
        }
    });
    root.forEachTable("access_levels", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        AccessLevel level;
        level.id = r.id("id", Presence::required).value_or("");
        level.name = r.string("name", Presence::required).value_or("");
        r.forEachTable("zones", Presence::required, [&](TomlTableReader& z, std::size_t) {
            LevelZone row;
            row.zone = z.id("zone", Presence::required).value_or("");
            row.schedule = z.id("schedule", Presence::required).value_or("");
            level.zones.push_back(std::move(row));
        });
        if (!level.id.empty() && ids.declare("access_level", level.id, r.keyPath("id"), diag)) {
            config_.levels.emplace(level.id, std::move(level));
        }
    });
    root.forEachTable("zone_rules", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        ZoneRules rules = readZoneRules(r);
        if (rules.zone.empty()) {
            return;
        }
        const std::string zone = rules.zone;
        auto [it, inserted] = config_.zoneRules.emplace(zone, std::move(rules));
        if (!inserted) {
            diag.error(r.keyPath("zone"), "zone " + core::inQuotes(zone) +
                                              " already has its rules in " +
                                              zoneRulePaths_.at(zone));
            return;
        }
        zoneRulePaths_.emplace(zone, r.path());
    });
    if (const toml::table* table = root.table("lockdown", Presence::optional)) {
        TomlTableReader r(*table, "lockdown", diag);
        config_.lockdownExemptGroups =
            r.stringArray("exempt_groups", Presence::optional).value_or(std::vector<std::string>{});
        r.finish();
    }
}

void AccessRulesConfigSection::check(const core::SiteConfig&, const core::IdRegistry& ids,
                                     core::ConfigDiagnostics& diag) {
    for (const auto& [id, level] : config_.levels) {
        const std::string here = ids.declaredAt("access_level", id);
        for (std::size_t i = 0; i < level.zones.size(); ++i) {
            const std::string row = indexed(here + ".zones", i);
            if (!level.zones[i].zone.empty() && !diag.reported(row + ".zone")) {
                ids.require("zone", level.zones[i].zone, row + ".zone", diag);
            }
            if (!level.zones[i].schedule.empty() && !diag.reported(row + ".schedule")) {
                ids.require("schedule", level.zones[i].schedule, row + ".schedule", diag);
            }
        }
    }
    for (const auto& [zone, rules] : config_.zoneRules) {
        const std::string& here = zoneRulePaths_.at(zone);
        if (!diag.reported(here + ".zone")) {
            ids.require("zone", zone, here + ".zone", diag);
        }
        requireGroups(rules.escortHosts, here + ".escort_hosts", ids, diag);
        if (!rules.presenceIn.empty() && !diag.reported(here + ".presence_in")) {
            ids.require("zone", rules.presenceIn, here + ".presence_in", diag);
        }
    }
    requireGroups(config_.lockdownExemptGroups, "lockdown.exempt_groups", ids, diag);
}

}  // namespace sekimori::doors
