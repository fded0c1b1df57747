#pragma once
// May this person enter this zone now? A pure function of the person's record (validity dates,
// direct grants, access levels assigned to them and to their groups, each with its own dates),
// the site's access levels and schedules (holidays and closures come with the schedule), and
// the time. The access decision (doors/access_decision.hpp) turns the answer into a reason code;
// admission (doors/admission.hpp) then applies the zone's rules. Allocation-free: it runs on
// every card step at two million people (bench/access_scale_bench.cpp).
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "doors/credential_store.hpp"
#include "policy/schedule.hpp"

namespace sekimori::doors {

enum class ZoneAccess {
    allowed,          // a grant or level names the zone and its schedule covers now
    noAccess,         // nothing the person holds names the zone
    outsideSchedule,  // something names it, but no schedule of those covers now
    outsideValidity,  // the person is outside their dates, or only a level outside its dates
                      // names the zone
};

// "allowed", "no_access", "outside_schedule", "outside_validity": the reason codes
// (protocol/reason_codes.hpp) of the three refusals.
std::string_view toString(ZoneAccess access);

// One row of an access level: entry into `zone` during `schedule`.
struct LevelZone {
    std::string zone;
    std::string schedule;
};

// [[access_levels]] (docs/config.md): a named set of zones x schedules, assigned to people and
// groups (with validity dates) in the credential store.
struct AccessLevel {
    std::string id;
    std::string name;
    std::vector<LevelZone> zones;
};

// By level id; transparent so a std::string_view finds without allocating.
using AccessLevels = std::map<std::string, AccessLevel, std::less<>>;
// By schedule id (the site's [[schedules]] with their calendar).
using Schedules = std::map<std::string, policy::Schedule, std::less<>>;

// Inside [validFromUs, validUntilUs); 0 leaves that end open.
bool withinDates(core::TimeUs validFromUs, core::TimeUs validUntilUs, core::TimeUs now);

// The order (docs/access-rules.md): the person's dates first (outsideValidity), then their
// direct grants (snapshot grant schedules), the levels assigned to them, the levels of each of
// their groups (snapshot.groupLevels). A level assignment outside its dates names nothing now.
// The best answer wins: allowed, else outsideSchedule, else outsideValidity, else noAccess.
ZoneAccess mayEnter(const PersonRecord& person, const CredentialSnapshot& snapshot,
                    const AccessLevels& levels, const Schedules& schedules, std::string_view zone,
                    core::TimeUs now);

}  // namespace sekimori::doors
