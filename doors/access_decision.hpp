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
#include "doors/door_spec.hpp"
#include "policy/schedule.hpp"
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
};

// The reason code on the wire (docs/mqtt.md), e.g. "wrong_pin".
std::string_view reasonCode(DenyReason reason);
// A sentence an operator can act on: the reason-code table's (protocol::describeReason).
std::string_view describe(DenyReason reason);

// --- the step just received ---------------------------------------------------------------
struct CardStep {};  // the card's identity is resolved into the snapshot
struct PinStep {
    bool matches = false;  // keyed hash of the entered PIN equals the enrolled one
};
struct FingerStep {
    int score = 0;  // 0..100 as the reader reports it
};
struct StepExpired {};  // the controller's step timer fired

using Step = std::variant<CardStep, PinStep, FingerStep, StepExpired>;

struct AccessRequest {
    protocol::DoorSide side = protocol::DoorSide::entry;
    Step step;
    core::TimeUs nowUs = 0;
};

// --- what the controller knows when the step arrives -------------------------------------
struct SessionState {
    std::size_t factorsDone = 0;  // a prefix of the side's factor list; 0 = no session yet
    core::TimeUs lastStepUs = 0;
};

struct CardHolder {
    bool personActive = true;
    bool cardRevoked = false;
};

struct AccessSnapshot {
    const DoorSpec* door = nullptr;
    std::optional<CardHolder> holder;            // empty: the card is not enrolled
    bool hasGrant = false;                       // a grant for the side's target zone
    const policy::Schedule* schedule = nullptr;  // that grant's schedule; null when unknown
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
};

// Whether `digits` are the PIN enrolled for `person` (doors/credential_binding: the hash is
// keyed over the person and the digits, so a hash row moved from another person never matches).
// False when no PIN is enrolled. Compares in constant time.
bool pinMatches(std::string_view pepper, const std::string& person, const core::Bytes& enrolledHash,
                std::string_view digits);

// Egress is never refused for a schedule or a missing zone grant: a person inside must be able
// to leave. Identity (unknown / revoked card) and the exit factors still apply.
AccessDecision decide(const AccessRequest& request, const AccessSnapshot& snapshot);

}  // namespace sekimori::doors
