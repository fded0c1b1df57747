#pragma once
// Which lockdowns are in force: the whole site, or zones (a zone's lockdown covers its
// descendant zones). Pure state: zone control (doors/zone_control) starts and lifts through
// its routes, records zone.lockdown_started / zone.lockdown_lifted, and rebuilds this from the
// trail at start with replay(). Entry into a covered zone is refused `lockdown` except for the
// exempt groups; exits never are (doors/admission.hpp).
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace sekimori::doors {

enum class LockdownScope { site, zone };
// "site", "zone" (zone.lockdown_* `scope`).
std::string_view toString(LockdownScope scope);
std::optional<LockdownScope> lockdownScopeFromString(std::string_view word);

// The `target` of zone.lockdown_* for a site-wide lockdown (a zone's target is its id).
inline constexpr std::string_view kSiteTarget = "site";

struct Lockdown {
    LockdownScope scope = LockdownScope::site;
    std::string target;  // kSiteTarget or the zone id
    core::TimeUs sinceUs = 0;
    std::string comment;
    std::string actor;
};

class LockdownState {
  public:
    // zone id -> parent zone id (the site root has none), from [[zones]].
    explicit LockdownState(std::map<std::string, std::string, std::less<>> zoneParents);

    // false when that lockdown is already in force (nothing changes; nothing to record).
    bool start(const Lockdown& lockdown);
    // false when it was not in force. A zone lift lifts that zone's own lockdown only.
    bool lift(LockdownScope scope, std::string_view zone);

    // Applies one recorded zone.lockdown_started / zone.lockdown_lifted (in seq order);
    // other types and malformed payloads are ignored.
    void replay(std::string_view type, const nlohmann::json& payload, core::TimeUs timeUs);

    // The site, the zone, or one of its ancestors is locked down.
    bool covers(std::string_view zone) const;
    bool any() const { return site_.has_value() || !zones_.empty(); }
    // {"lockdowns": [{"scope","target","since_us","comment","actor"}, ...]} by target
    nlohmann::json toJson() const;

  private:
    std::map<std::string, std::string, std::less<>> parents_;
    std::optional<Lockdown> site_;
    std::map<std::string, Lockdown, std::less<>> zones_;  // by zone id
};

}  // namespace sekimori::doors
