// mayEnter: the person's dates, then every grant and level naming the zone, best answer wins.
// Walks the person's own vectors and the site's maps by reference: nothing is allocated.
#include "doors/access_policy.hpp"

namespace sekimori::doors {
namespace {

// How far one thing the person holds got: ordered so the best of several is the max.
enum class Reach { nothing, outOfDates, outOfSchedule, allowed };

Reach better(Reach a, Reach b) {
    return a > b ? a : b;
}

Reach scheduleReach(const Schedules& schedules, const std::string& schedule, core::TimeUs now) {
    auto it = schedules.find(schedule);
    // An unknown schedule covers nothing (the config check refuses one in a level).
    return it != schedules.end() && policy::isWithin(it->second, now) ? Reach::allowed
                                                                      : Reach::outOfSchedule;
}

Reach levelReach(const AccessLevels& levels, const Schedules& schedules,
                 const LevelAssignment& assignment, std::string_view zone, core::TimeUs now) {
    auto level = levels.find(assignment.level);
    if (level == levels.end()) {
        return Reach::nothing;  // a level no longer in the site file names nothing
    }
    Reach reach = Reach::nothing;
    for (const LevelZone& row : level->second.zones) {
        if (row.zone != zone) {
            continue;
        }
        if (!withinDates(assignment.validFromUs, assignment.validUntilUs, now)) {
            return Reach::outOfDates;
        }
        reach = better(reach, scheduleReach(schedules, row.schedule, now));
        if (reach == Reach::allowed) {
            break;
        }
    }
    return reach;
}

Reach levelsReach(const std::vector<LevelAssignment>& assignments, const AccessLevels& levels,
                  const Schedules& schedules, std::string_view zone, core::TimeUs now) {
    Reach reach = Reach::nothing;
    for (const LevelAssignment& a : assignments) {
        reach = better(reach, levelReach(levels, schedules, a, zone, now));
        if (reach == Reach::allowed) {
            break;
        }
    }
    return reach;
}

}  // namespace

std::string_view toString(ZoneAccess access) {
    switch (access) {
        case ZoneAccess::allowed:
            return "allowed";
        case ZoneAccess::noAccess:
            return "no_access";
        case ZoneAccess::outsideSchedule:
            return "outside_schedule";
        case ZoneAccess::outsideValidity:
            return "outside_validity";
    }
    return "no_access";
}

bool withinDates(core::TimeUs validFromUs, core::TimeUs validUntilUs, core::TimeUs now) {
    return (validFromUs == 0 || now >= validFromUs) && (validUntilUs == 0 || now < validUntilUs);
}

ZoneAccess mayEnter(const PersonRecord& person, const CredentialSnapshot& snapshot,
                    const AccessLevels& levels, const Schedules& schedules, std::string_view zone,
                    core::TimeUs now) {
    if (!withinDates(person.validFromUs, person.validUntilUs, now)) {
        return ZoneAccess::outsideValidity;
    }
    Reach reach = Reach::nothing;
    for (const ZoneGrant& grant : person.grants) {
        if (grant.zone == zone) {
            reach = better(reach, scheduleReach(schedules, grant.schedule, now));
        }
    }
    if (reach != Reach::allowed) {
        reach = better(reach, levelsReach(person.levels, levels, schedules, zone, now));
    }
    for (const std::string& group : person.groups) {
        if (reach == Reach::allowed) {
            break;
        }
        if (const auto* groupLevels = snapshot.groupLevels(group)) {
            reach = better(reach, levelsReach(*groupLevels, levels, schedules, zone, now));
        }
    }
    switch (reach) {
        case Reach::allowed:
            return ZoneAccess::allowed;
        case Reach::outOfSchedule:
            return ZoneAccess::outsideSchedule;
        case Reach::outOfDates:
            return ZoneAccess::outsideValidity;
        case Reach::nothing:
            break;
    }
    return ZoneAccess::noAccess;
}

}  // namespace sekimori::doors
