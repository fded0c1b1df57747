#pragma once
// What the doors domain needs to know about one door. app/ maps the site configuration into
// it; doors/ never reads configuration files itself.
#include <optional>
#include <string>
#include <vector>

#include "policy/schedule.hpp"

#include "core/result.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

struct DoorSpec {
    std::string id;
    std::string name;      // for operators
    std::string panel;     // the panel that serves this door's readers
    std::string fromZone;  // the outer zone (entry starts here)
    std::string toZone;    // the inner zone (entry ends here)
    // Factors in the order a person presents them; the first is always the card, which
    // names the person.
    std::vector<protocol::Factor> entryFactors{protocol::Factor::card, protocol::Factor::pin,
                                               protocol::Factor::finger};
    std::vector<protocol::Factor> exitFactors{protocol::Factor::card};
    int unlockMs = 5000;        // lock release after a grant
    int stepTimeoutMs = 15000;  // longest wait between two steps of one session
    int fingerThreshold = 60;   // 0..100; a reader score below it is a mismatch
    int heldOpenMs = 30000;     // open longer than this raises door.held_open
    // Issue 14 (docs/config.md [[doors]]). The fields below keep their defaults where a door does
    // not use them.
    // A keypad with no card reader: the entry factors are exactly {pin} and the code names the
    // person (keypadCodeHash, doors/credential_binding.hpp).
    bool keypadOnly = false;
    // The held-open pre-alarm (door.held_open_warning) this long before door.held_open; 0: none.
    int heldOpenWarnMs = 0;
    // The reader formats the door accepts (protocol/card_format.hpp names); empty: any.
    std::vector<std::string> cardFormats{};
    // Manual commands (unlock, lock, timed unlock) need four-eyes approval: set by the service
    // for doors into a management_area or handling_area zone.
    bool commandsNeedApproval = false;
    // First-person-in: during `schedule` the door stays locked until a person of `groups` (any
    // granted person when empty) enters; then it is held unlocked until the window ends.
    struct FirstPersonIn {
        std::string scheduleId;
        const policy::Schedule* schedule = nullptr;  // resolved by the service; outlives the spec
        std::vector<std::string> groups;
    };
    std::optional<FirstPersonIn> firstPersonIn{};
    // Issue 21: what the portal is. A rack's handle and the key cabinet's door are portals
    // with sessions and decisions like a door's, but opening them moves nobody: the person
    // stays recorded in the room around them (docs/access-rules.md "Racks").
    enum class Kind { door, rack, keyCabinet };
    Kind kind = Kind::door;
    bool movesPresence() const { return kind == Kind::door; }
    // Issue 15: a circle gate ([[circle_gates]], docs/circle-gates.md) is a portal like a door:
    // sessions, decisions, presence and lockdown apply to its id; its panel's gate reports go to
    // doors/gate_supervision instead of door_state. The fields below apply to gates only.
    bool circleGate = false;
    std::string camera{};         // the declared camera that watches the booth (a rack: its aisle)
    int weightTolerancePct = 15;  // the plate may read the enrolled weight +- this many percent
    int maxWeightG = 0;           // a plate reading above it is refused (piggyback)
    int cycleTimeoutMs = 60000;   // the gate's own cycle time-out (a grant waits this long)
    bool outerFailSafe = true;    // on power loss the outer leaf is released (fail-safe)
    bool innerFailSafe = false;   // ... the inner leaf stays locked (fail-secure)
};

// "door", "rack", "key_cabinet" ("circle_gate" for a gate: the console's kind).
std::string_view kindName(const DoorSpec& door);

const std::vector<protocol::Factor>& factorsFor(const DoorSpec& door, protocol::DoorSide side);
// How long a session waits for `next` after the step before it: stepTimeoutMs, except a circle
// gate's finger, which is taken inside the booth: the walk in (the step time-out) and the booth
// (the cycle time-out) both come first.
int stepTimeoutFor(const DoorSpec& door, protocol::Factor next);

// Checks one door whole: ids, factor lists (card first, no repeats; exactly {pin} on a keypad-only
// door), ranges, card format names, the held-open pre-alarm before the alarm; a circle gate's
// camera id, weight tolerance (0..50 %), maximum weight and cycle time-out.
core::Result<void> validateDoorSpec(const DoorSpec& door);

}  // namespace sekimori::doors
