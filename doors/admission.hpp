#pragma once
// Admission: the zone rules applied after every factor of a session was given and mayEnter
// allowed the person. A pure function of the door, the target zone's rules, the entrant, what
// presence and zone control know (recorded zone, occupants, lockdown, forgiveness), the door's
// open companion wait, and the time. The order and every combination are written down in
// docs/access-rules.md:
//   exit side: always admitted (egress); anti-passback of the zone left is a soft violation
//   entry side: held portal -> lockdown (exempt groups pass) -> work window -> in the room ->
//               a second person in the room -> occupancy (counting who
//               would pass) -> anti-passback (hard / soft / timed; a forgiveness lifts it once) ->
//               companion (two-person, escort; either order)
// The caller (doors/access_sessions) records what the outcome says and keeps the door's wait.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

enum class AntiPassback {
    off,
    soft,   // admitted; access.passback_violation recorded
    hard,   // refused anti_passback when entering the zone one is recorded in
    timed,  // hard until passbackTimeout after the recorded entry, then admitted
};
// "off", "soft", "hard", "timed" (docs/config.md [[zone_rules]] anti_passback).
std::string_view toString(AntiPassback mode);
std::optional<AntiPassback> antiPassbackFromString(std::string_view word);

// [[zone_rules]] of one zone (docs/config.md). A zone without a row has every rule off.
struct ZoneRules {
    std::string zone;
    AntiPassback antiPassback = AntiPassback::off;
    std::chrono::seconds passbackTimeout{0};  // timed only
    int occupancyLimit = 0;                   // 0: no limit
    bool twoPerson = false;
    std::chrono::seconds companionWindow{15};  // two-person and escort
    bool neverAlone = false;                   // needs twoPerson (doors/never_alone.hpp)
    std::chrono::seconds aloneGrace{3};
    std::vector<std::string> escortHosts{};  // groups; empty: anyone allowed into the zone
    // Entry only inside one of the person's approved work windows for the zone, pushed by the
    // vault (policy/work_windows.hpp); no window book at all refuses everyone (fail secure).
    bool workWindow = false;
    // Issue 21, racks: entry only for someone presence records in this zone now (the rack's
    // room; a rack's own door moves nobody), and, with othersPresent, only while at least that
    // many other people are recorded there too. Empty: no such rule.
    std::string presenceIn{};
    int othersPresent = 0;
};

// The escort window where the target zone has no rules row.
inline constexpr std::chrono::seconds kDefaultCompanionWindow{15};

// Who has just given every factor at the door (mayEnter allowed them).
struct Entrant {
    std::string person;
    std::string name;
    std::vector<std::string> groups{};
    bool escortRequired = false;  // a visitor: needs a host (PersonRecord::escortRequired)
    bool duress = false;          // the PIN was the duress variant (AccessDecision::duress)
};

// One person passing: the entrant and what the caller records with the grant.
struct Passing {
    Entrant entrant;
    bool passbackViolation = false;  // access.passback_violation in the grant's Change
    std::string recordedZone{};      // with the violation
    bool forgivenessUsed = false;    // a pending forgiveness lifted anti-passback for it
};

enum class CompanionRule { twoPerson, escort };
// "two_person", "escort" (access.companion_pending / companion_expired `rule`).
std::string_view toString(CompanionRule rule);
// awaiting_second_person, awaiting_escort (protocol/reason_codes.hpp).
std::string_view reasonCode(CompanionRule rule);

// Entrants at one door and side waiting for a second person or a host. The caller keeps at
// most one per door and side, replaces it by every AwaitCompanion's, drops it on an Admit that
// completed it (its entrants pass) and when untilUs passes (access.companion_expired).
struct CompanionWait {
    std::string door;
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::string zone;
    // In arrival order, each a different person, with what their arrival found (anti-passback)
    // so it is recorded when they pass.
    std::vector<Passing> waiting;
    CompanionRule rule = CompanionRule::twoPerson;
    core::TimeUs sinceUs = 0;  // the first arrival
    core::TimeUs untilUs = 0;  // the newest arrival + the window
};

// Someone granted at this door and side lately: an escort host who went first counts for a
// visitor arriving within the window after them.
struct RecentGrant {
    std::string person;
    std::vector<std::string> groups{};
    bool escortRequired = false;
    core::TimeUs timeUs = 0;
};

struct AdmissionInput {
    std::string_view door;
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::string_view targetZone;             // entry: the door's to_zone; exit: its from_zone
    std::string_view leftZone;               // the zone the passage leaves
    const ZoneRules* targetRules = nullptr;  // null: no rules row
    const ZoneRules* leftRules = nullptr;    // exit: the left zone's anti-passback (soft only)
    const Entrant* entrant = nullptr;        // required
    core::TimeUs nowUs = 0;
    // Presence: the zone the person is recorded in and since when (nullopt: nowhere).
    std::optional<std::string_view> recordedZone;
    core::TimeUs recordedSinceUs = 0;
    std::size_t targetOccupants = 0;
    // Zone control: a lockdown covering the target zone, and the groups it lets in.
    bool lockedDown = false;
    const std::vector<std::string>* exemptGroups = nullptr;
    bool forgiven = false;      // a pending anti-passback forgiveness
    bool inWorkWindow = false;  // the entrant holds an open window for the zone now
    // Presence in targetRules->presenceIn: whether the entrant is recorded there, and how many
    // others are.
    bool inPresenceZone = false;
    std::size_t othersInPresenceZone = 0;
    // Another domain holds this portal (policy/portal_holds.hpp): why, for operators; null: not.
    const std::string* portalHold = nullptr;
    const CompanionWait* wait = nullptr;  // the door's open wait, same side; null: none
    const std::vector<RecentGrant>* recentGrants = nullptr;  // this door and side
};

struct Admit {
    std::vector<Passing> passing;  // the wait's entrants first (when completed), the newcomer last
    bool duress = false;           // any of them entered the duress PIN
    // The door's wait passes with the newcomer: drop it. False when the newcomer passes alone
    // beside an open wait they do not complete (a non-host next to a waiting visitor).
    bool waitCompleted = false;
};
struct AwaitCompanion {
    CompanionWait wait;  // replaces the door's
    CompanionRule rule = CompanionRule::twoPerson;
    bool duress = false;  // the newcomer's duress is raised now, not only when they pass
};
enum class Refusal {
    lockdown,
    noWorkWindow,
    occupancyFull,
    antiPassback,
    notInRoom,
    noSecondPerson,
    portalHeld
};
// lockdown, no_work_window, occupancy_full, anti_passback, not_in_room, no_second_person,
// portal_held (protocol/reason_codes.hpp).
std::string_view reasonCode(Refusal refusal);
struct Refuse {
    Refusal reason = Refusal::lockdown;
    std::string detail{};  // for operators, e.g. "server-room is locked down"
    bool duress = false;   // a refused duress entry still raises its silent alarm
};

using Admission = std::variant<Admit, AwaitCompanion, Refuse>;

Admission admit(const AdmissionInput& input);

// Whether `groups` shares one group with `exempt` (lockdown exemption, escort hosts).
bool sharesGroup(const std::vector<std::string>& groups, const std::vector<std::string>& other);

}  // namespace sekimori::doors
