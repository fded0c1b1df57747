#pragma once
// The access rules' part of the site file (docs/config.md, docs/access-rules.md):
//   [[groups]]         id, name
//   [[access_levels]]  id, name, zones = [ { zone = "..", schedule = ".." }, ... ]
//   [[zone_rules]]     zone, anti_passback = "off|soft|hard|timed", passback_timeout_s,
//                      occupancy_limit, two_person, companion_window_s, never_alone,
//                      alone_grace_s, escort_hosts = [groups]
//   [lockdown]         exempt_groups = [groups]
// Declares ids of kind "group" and "access_level"; checks zones, schedules and groups named.
// Who belongs to a group and who holds a level is data (the credential store), not config.
//
// For the doors service (D1): app/door_wiring.cpp registers this section beside [[doors]]
// (doorsDomains) and hands config() to makeDoorsService; DoorsServiceParts carries it as
// `AccessRulesConfig rules;`. The service passes `rules.levels` to mayEnter,
// `rules.rulesFor(zone)` to admit, `rules.lockdownExemptGroups` to zone control, and watches
// every zone with neverAlone (NeverAloneWatch::watch(zone, aloneGrace)).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_section.hpp"
#include "doors/access_policy.hpp"
#include "doors/admission.hpp"

namespace sekimori::doors {

struct GroupConfig {
    std::string id;
    std::string name;
};

struct AccessRulesConfig {
    std::vector<GroupConfig> groups;  // in file order
    AccessLevels levels;
    std::map<std::string, ZoneRules, std::less<>> zoneRules;  // by zone
    std::vector<std::string> lockdownExemptGroups;

    // The zone's rules row; nullptr when it has none (every rule off).
    const ZoneRules* rulesFor(std::string_view zone) const;
};

// A rack opens only for someone recorded inside the room it stands in (docs/access-rules.md,
// "Racks"): each rack's zone whose rules do not name `presence_in` gets the rack door's
// from_zone, so a rack is never open to a level alone. rackPortals: (to_zone, from_zone).
AccessRulesConfig withRackPresence(
    AccessRulesConfig rules, const std::vector<std::pair<std::string, std::string>>& rackPortals);

class AccessRulesConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const AccessRulesConfig& config() const { return config_; }

  private:
    AccessRulesConfig config_;
    std::map<std::string, std::string, std::less<>> zoneRulePaths_;  // zone -> "zone_rules[i]"
};

}  // namespace sekimori::doors
