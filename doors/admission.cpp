// The zone rules after the factors: lockdown, occupancy, anti-passback, then the companion
// rules (two-person, escort). Each refusal names its rule; egress is never refused.
#include "doors/admission.hpp"

#include <algorithm>

#include "protocol/reason_codes.hpp"

namespace sekimori::doors {
namespace {

using protocol::DoorSide;

core::TimeUs toUs(std::chrono::seconds s) {
    return std::chrono::duration_cast<std::chrono::microseconds>(s).count();
}

bool exempt(const Entrant& entrant, const AdmissionInput& in) {
    return in.exemptGroups != nullptr && sharesGroup(entrant.groups, *in.exemptGroups);
}

// A host for a visitor: not a visitor, and of one of the zone's escort_hosts groups (anyone
// allowed into the zone when the list is empty: they passed mayEnter to get here).
bool isHost(bool escortRequired, const std::vector<std::string>& groups, const ZoneRules* rules) {
    if (escortRequired) {
        return false;
    }
    return rules == nullptr || rules->escortHosts.empty() ||
           sharesGroup(groups, rules->escortHosts);
}

bool hostGrantedLately(const AdmissionInput& in, core::TimeUs windowUs) {
    if (in.recentGrants == nullptr) {
        return false;
    }
    return std::any_of(in.recentGrants->begin(), in.recentGrants->end(), [&](const RecentGrant& g) {
        return g.timeUs <= in.nowUs && in.nowUs - g.timeUs <= windowUs &&
               isHost(g.escortRequired, g.groups, in.targetRules);
    });
}

bool escorted(const std::vector<Passing>& group, const AdmissionInput& in, core::TimeUs windowUs) {
    const bool visitor = std::any_of(group.begin(), group.end(),
                                     [](const Passing& p) { return p.entrant.escortRequired; });
    if (!visitor) {
        return true;
    }
    const bool hostHere = std::any_of(group.begin(), group.end(), [&](const Passing& p) {
        return isHost(p.entrant.escortRequired, p.entrant.groups, in.targetRules);
    });
    return hostHere || hostGrantedLately(in, windowUs);
}

// Built piecewise: GCC 12 at -O3 warns a false -Wrestrict on "\"" + s + "\"".
std::string quoted(std::string_view zone) {
    std::string out;
    out.reserve(zone.size() + 2);
    out += '"';
    out += zone;
    out += '"';
    return out;
}

Admission exitAdmission(const AdmissionInput& in) {
    Passing passing{*in.entrant};
    // Egress is never refused; leaving a zone one was not recorded in (tailgated in) is logged.
    if (in.leftRules != nullptr && in.leftRules->antiPassback != AntiPassback::off &&
        in.recordedZone && *in.recordedZone != in.leftZone) {
        passing.passbackViolation = true;
        passing.recordedZone = std::string(*in.recordedZone);
    }
    const bool duress = in.entrant->duress;
    return Admit{{std::move(passing)}, duress};
}

// nullopt: anti-passback lets the entrant through (into `passing`); else the refusal.
std::optional<Refuse> antiPassback(const AdmissionInput& in, Passing& passing) {
    const ZoneRules* rules = in.targetRules;
    if (rules == nullptr || rules->antiPassback == AntiPassback::off || !in.recordedZone ||
        *in.recordedZone != in.targetZone) {
        return std::nullopt;
    }
    if (in.forgiven) {
        passing.forgivenessUsed = true;
        return std::nullopt;
    }
    const bool timedOut = rules->antiPassback == AntiPassback::timed &&
                          in.nowUs >= in.recordedSinceUs + toUs(rules->passbackTimeout);
    switch (rules->antiPassback) {
        case AntiPassback::soft:
            passing.passbackViolation = true;
            passing.recordedZone = std::string(*in.recordedZone);
            return std::nullopt;
        case AntiPassback::timed:
            if (timedOut) {
                return std::nullopt;
            }
            [[fallthrough]];
        case AntiPassback::hard:
        case AntiPassback::off:
            break;
    }
    return Refuse{Refusal::antiPassback,
                  in.entrant->name + " is already recorded inside " + quoted(in.targetZone) +
                      " (anti-passback " + std::string(toString(rules->antiPassback)) + ")",
                  in.entrant->duress};
}

}  // namespace

std::string_view toString(AntiPassback mode) {
    switch (mode) {
        case AntiPassback::off:
            return "off";
        case AntiPassback::soft:
            return "soft";
        case AntiPassback::hard:
            return "hard";
        case AntiPassback::timed:
            return "timed";
    }
    return "off";
}

std::optional<AntiPassback> antiPassbackFromString(std::string_view word) {
    for (auto mode :
         {AntiPassback::off, AntiPassback::soft, AntiPassback::hard, AntiPassback::timed}) {
        if (toString(mode) == word) {
            return mode;
        }
    }
    return std::nullopt;
}

std::string_view toString(CompanionRule rule) {
    return rule == CompanionRule::twoPerson ? "two_person" : "escort";
}

std::string_view reasonCode(CompanionRule rule) {
    return rule == CompanionRule::twoPerson ? protocol::reason::awaitingSecondPerson
                                            : protocol::reason::awaitingEscort;
}

std::string_view reasonCode(Refusal refusal) {
    switch (refusal) {
        case Refusal::lockdown:
            return protocol::reason::lockdown;
        case Refusal::noWorkWindow:
            return protocol::reason::noWorkWindow;
        case Refusal::occupancyFull:
            return protocol::reason::occupancyFull;
        case Refusal::antiPassback:
            return protocol::reason::antiPassback;
        case Refusal::notInRoom:
            return protocol::reason::notInRoom;
        case Refusal::noSecondPerson:
            return protocol::reason::noSecondPerson;
        case Refusal::portalHeld:
            return protocol::reason::portalHeld;
    }
    return protocol::reason::lockdown;
}

bool sharesGroup(const std::vector<std::string>& groups, const std::vector<std::string>& other) {
    return std::any_of(groups.begin(), groups.end(), [&](const std::string& g) {
        return std::find(other.begin(), other.end(), g) != other.end();
    });
}

Admission admit(const AdmissionInput& in) {
    const Entrant& entrant = *in.entrant;
    if (in.side == DoorSide::exit) {
        return exitAdmission(in);
    }
    const ZoneRules* rules = in.targetRules;
    const bool duress = entrant.duress;

    // A hold (a metal-detector hit) stops everyone, exempt groups too: a guard clears it.
    if (in.portalHold != nullptr) {
        return Refuse{Refusal::portalHeld, quoted(in.door) + " is held: " + *in.portalHold, duress};
    }
    if (in.lockedDown && !exempt(entrant, in)) {
        return Refuse{Refusal::lockdown, quoted(in.targetZone) + " is locked down", duress};
    }
    // Ticket-bound entry: checked for each entrant as they arrive, companions alike.
    if (rules != nullptr && rules->workWindow && !in.inWorkWindow) {
        return Refuse{Refusal::noWorkWindow,
                      "no approved work window for " + quoted(in.targetZone) + " now", duress};
    }
    if (rules != nullptr && !rules->presenceIn.empty()) {
        if (!in.inPresenceZone) {
            return Refuse{Refusal::notInRoom,
                          entrant.name + " is not recorded inside " +
                              quoted(std::string_view(rules->presenceIn)),
                          duress};
        }
        if (in.othersInPresenceZone < static_cast<std::size_t>(rules->othersPresent)) {
            return Refuse{
                Refusal::noSecondPerson,
                "nobody else is recorded inside " + quoted(std::string_view(rules->presenceIn)),
                duress};
        }
    }

    // The door's wait, if it is still open and for this passage.
    const CompanionWait* wait = in.wait;
    if (wait != nullptr && (wait->door != in.door || wait->side != in.side ||
                            wait->zone != in.targetZone || wait->untilUs <= in.nowUs)) {
        wait = nullptr;
    }
    if (wait != nullptr) {
        const bool again =
            std::any_of(wait->waiting.begin(), wait->waiting.end(),
                        [&](const Passing& p) { return p.entrant.person == entrant.person; });
        if (again) {  // the same person badging twice is not a second person
            return AwaitCompanion{*wait, wait->rule, duress};
        }
    }
    const std::size_t joining = wait != nullptr ? wait->waiting.size() : 0;

    if (rules != nullptr && rules->occupancyLimit > 0 &&
        in.targetOccupants + joining + 1 > static_cast<std::size_t>(rules->occupancyLimit)) {
        return Refuse{
            Refusal::occupancyFull,
            quoted(in.targetZone) + " holds its limit of " + std::to_string(rules->occupancyLimit),
            duress};
    }

    Passing newcomer{entrant};
    if (auto refused = antiPassback(in, newcomer)) {
        return *refused;
    }

    std::vector<Passing> group;
    if (wait != nullptr) {
        // A lockdown begun while they waited holds for them too.
        if (in.lockedDown) {
            for (const auto& p : wait->waiting) {
                if (!exempt(p.entrant, in)) {
                    return Refuse{Refusal::lockdown,
                                  quoted(in.targetZone) + " is locked down and " + p.entrant.name +
                                      ", waiting at the door, is not exempt",
                                  duress};
                }
            }
        }
        group = wait->waiting;
    }
    group.push_back(std::move(newcomer));

    const core::TimeUs windowUs =
        toUs(rules != nullptr ? rules->companionWindow : kDefaultCompanionWindow);
    const bool secondPerson = rules == nullptr || !rules->twoPerson || group.size() >= 2;
    const bool escort = escorted(group, in, windowUs);
    if (secondPerson && escort) {
        const bool anyDuress = std::any_of(group.begin(), group.end(),
                                           [](const Passing& p) { return p.entrant.duress; });
        return Admit{std::move(group), anyDuress, wait != nullptr};
    }
    // Someone who may pass alone is not held back by a wait they cannot complete.
    if (wait != nullptr && (rules == nullptr || !rules->twoPerson) &&
        escorted({group.back()}, in, windowUs)) {
        return Admit{{std::move(group.back())}, duress, false};
    }
    CompanionWait next;
    next.door = std::string(in.door);
    next.side = in.side;
    next.zone = std::string(in.targetZone);
    next.waiting = std::move(group);
    next.rule = escort ? CompanionRule::twoPerson : CompanionRule::escort;
    next.sinceUs = wait != nullptr ? wait->sinceUs : in.nowUs;
    next.untilUs = in.nowUs + windowUs;
    const CompanionRule rule = next.rule;
    return AwaitCompanion{std::move(next), rule, duress};
}

}  // namespace sekimori::doors
