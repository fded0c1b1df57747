#pragma once
// The access decision: a pure function of the door, what is known about the card holder, the
// session so far, the step just received and the time. No I/O, no clock, no allocation
// beyond the returned state; the controller gathers the snapshot and acts on the outcome.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "doors/access_policy.hpp"
#include "doors/credential_binding.hpp"
#include "doors/door_spec.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

enum class DenyReason {
    unknownCard,       // no card with this UID is enrolled
    revoked,           // the card is revoked or its holder deactivated
    wrongPin,          // the PIN does not match (or none is enrolled)
    fingerMismatch,    // reader score below the door's threshold (or no template enrolled)
    outsideSchedule,   // the grant's schedule does not cover now (or is unknown)
    noAccess,          // the holder has no grant for the door's target zone
    timeout,           // the next step did not come within the door's step timeout
    factorOutOfOrder,  // a step other than the one the door expects next
    outsideValidity,   // the person (or the only level naming the zone) is outside its dates
    unknownCode,       // a keypad code that names no enrolled person
    badCardFormat,     // the reading does not decode, or not in a format / facility accepted
};

// The reason code on the wire (docs/mqtt.md), e.g. "wrong_pin".
std::string_view reasonCode(DenyReason reason);
// A sentence an operator can act on: the reason-code table's (protocol::describeReason).
std::string_view describe(DenyReason reason);

// --- the step just received ---------------------------------------------------------------
struct CardStep {
    // cardAtDoor() (doors/card_reading.hpp) accepted the reading; false: badCardFormat, and the
    // snapshot's holder is not looked at.
    bool readable = true;
};
// The first step at a keypad-only door: the code's holder is resolved into the snapshot
// (matchKeypadCode); no holder: unknownCode.
struct KeypadStep {
    bool duress = false;  // the code was the duress variant of the holder's
};
struct PinStep {
    PinCheck check = PinCheck::mismatch;  // pinCheck() of the entered digits
};
struct FingerStep {
    int score = 0;  // 0..100 as the reader reports it
};
struct StepExpired {};  // the controller's step timer fired

using Step = std::variant<CardStep, KeypadStep, PinStep, FingerStep, StepExpired>;

struct AccessRequest {
    protocol::DoorSide side = protocol::DoorSide::entry;
    Step step;
    core::TimeUs nowUs = 0;
};

// --- what the controller knows when the step arrives -------------------------------------
struct SessionState {
    std::size_t factorsDone = 0;  // a prefix of the side's factor list; 0 = no session yet
    core::TimeUs lastStepUs = 0;
    bool duress = false;  // a duress PIN or code was given; sticky to the session's end
};

struct CardHolder {
    bool personActive = true;
    bool cardRevoked = false;
};

struct AccessSnapshot {
    const DoorSpec* door = nullptr;
    std::optional<CardHolder> holder;  // empty: the card (or keypad code) is not enrolled
    // mayEnter() (doors/access_policy.hpp) for the side's target zone, now; not asked on exit.
    ZoneAccess zoneAccess = ZoneAccess::noAccess;
    SessionState session;
};

// --- the outcome ----------------------------------------------------------------------------
struct NextFactor {
    protocol::Factor factor = protocol::Factor::pin;
};
struct Granted {};
struct Denied {
    DenyReason reason = DenyReason::noAccess;
};
using Outcome = std::variant<NextFactor, Granted, Denied>;

struct AccessDecision {
    SessionState next;  // meaningful with NextFactor; a granted or denied session is over
    Outcome outcome;
    // A duress PIN or code was given in this session (this step or an earlier one), whatever
    // the outcome: granted, admission records access.duress with the grant; denied after a
    // duress PIN (a later factor failed), the person is still under duress.
    bool duress = false;
};

// Whether `digits` are the PIN enrolled for `person` (doors/credential_binding: the hash is
// keyed over the person and the digits, so a hash row moved from another person never matches).
// False when no PIN is enrolled. Compares in constant time.
bool pinMatches(std::string_view pepper, const std::string& person, const core::Bytes& enrolledHash,
                std::string_view digits);

// Egress is never refused for a schedule, validity dates or a missing zone grant: a person inside
// must be able to leave. Identity (unknown / revoked card) and the exit factors still apply.
// A side whose first factor is pin (a keypad-only door) starts with a KeypadStep; anywhere else
// a KeypadStep is out of order, and so is a PinStep that would start a session.
AccessDecision decide(const AccessRequest& request, const AccessSnapshot& snapshot);

}  // namespace sekimori::doors
