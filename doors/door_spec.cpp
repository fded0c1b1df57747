#include "doors/door_spec.hpp"

#include <algorithm>

#include "protocol/card_format.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {
namespace {

bool pinOnly(const std::vector<protocol::Factor>& list) {
    return list == std::vector<protocol::Factor>{protocol::Factor::pin};
}

// An empty exit list is a door left by request-to-exit only (no reader inside). A keypad-only
// door's entry is exactly its keypad; its exit may be a keypad too, or a card reader inside.
core::Result<void> validateFactors(const DoorSpec& door, const std::vector<protocol::Factor>& list,
                                   std::string_view side, bool mayBeEmpty) {
    const std::string where = "door " + door.id + " " + std::string(side) + " factors";
    if (list.empty() && mayBeEmpty) {
        return {};
    }
    const bool entry = !mayBeEmpty;
    if (door.keypadOnly && entry && !pinOnly(list)) {
        return core::makeError("doors.bad_spec", where + " must be exactly pin (keypad only)");
    }
    if (door.keypadOnly && pinOnly(list)) {
        return {};
    }
    if (list.empty() || list.front() != protocol::Factor::card) {
        return core::makeError("doors.bad_spec", where + " must start with card");
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (std::count(list.begin(), list.end(), list[i]) > 1) {
            return core::makeError("doors.bad_spec",
                                   where + " repeat " + std::string(protocol::toString(list[i])));
        }
    }
    return {};
}

}  // namespace

int stepTimeoutFor(const DoorSpec& door, protocol::Factor next) {
    if (door.circleGate && next == protocol::Factor::finger) {
        return std::min(door.stepTimeoutMs + door.cycleTimeoutMs, protocol::kMaxChallengeTimeoutMs);
    }
    return door.stepTimeoutMs;
}

std::string_view kindName(const DoorSpec& door) {
    if (door.circleGate) {
        return "circle_gate";
    }
    switch (door.kind) {
        case DoorSpec::Kind::rack:
            return "rack";
        case DoorSpec::Kind::keyCabinet:
            return "key_cabinet";
        case DoorSpec::Kind::door:
            break;
    }
    return "door";
}

const std::vector<protocol::Factor>& factorsFor(const DoorSpec& door, protocol::DoorSide side) {
    return side == protocol::DoorSide::entry ? door.entryFactors : door.exitFactors;
}

core::Result<void> validateDoorSpec(const DoorSpec& door) {
    const auto bad = [&](const std::string& what) {
        return core::makeError("doors.bad_spec", "door " + door.id + ": " + what);
    };
    if (!protocol::isValidId(door.id)) {
        return core::makeError("doors.bad_spec", "door id '" + door.id + "' is not a valid id");
    }
    if (!protocol::isValidId(door.panel)) {
        return bad("panel '" + door.panel + "' is not a valid id");
    }
    if (!protocol::isValidId(door.fromZone) || !protocol::isValidId(door.toZone)) {
        return bad("from_zone and to_zone must be valid ids");
    }
    if (door.fromZone == door.toZone) {
        return bad("from_zone and to_zone must differ");
    }
    if (auto r = validateFactors(door, door.entryFactors, "entry", false); !r) {
        return r;
    }
    if (auto r = validateFactors(door, door.exitFactors, "exit", true); !r) {
        return r;
    }
    if (door.unlockMs <= 0 || door.unlockMs > protocol::kMaxUnlockMs) {
        return bad("unlock_ms must be 1.." + std::to_string(protocol::kMaxUnlockMs));
    }
    if (door.stepTimeoutMs <= 0 || door.stepTimeoutMs > protocol::kMaxChallengeTimeoutMs) {
        return bad("step_timeout_ms must be 1.." +
                   std::to_string(protocol::kMaxChallengeTimeoutMs));
    }
    if (door.fingerThreshold < 0 || door.fingerThreshold > 100) {
        return bad("finger_threshold must be 0..100");
    }
    if (door.heldOpenMs <= 0) {
        return bad("held_open_ms must be positive");
    }
    if (door.heldOpenWarnMs < 0 ||
        (door.heldOpenWarnMs > 0 && door.heldOpenWarnMs >= door.heldOpenMs)) {
        return bad("held_open_warning_ms must be 0 or below held_open_ms");
    }
    for (const auto& format : door.cardFormats) {
        if (!protocol::cardFormatFromString(format)) {
            return bad("unknown card format '" + format + "'");
        }
        if (std::count(door.cardFormats.begin(), door.cardFormats.end(), format) > 1) {
            return bad("card format '" + format + "' listed twice");
        }
    }
    const bool readsACard =
        !door.exitFactors.empty() && door.exitFactors.front() == protocol::Factor::card;
    if (door.keypadOnly && !readsACard && !door.cardFormats.empty()) {
        return bad("a keypad-only door without a card reader inside reads no card");
    }
    // Any door may name the camera that watches it (a rack's aisle camera, docs/config.md).
    if (!door.camera.empty() && !protocol::isValidId(door.camera)) {
        return bad("camera '" + door.camera + "' is not a valid id");
    }
    if (door.circleGate) {
        if (door.keypadOnly || door.firstPersonIn) {
            return bad("a circle gate reads a card and has no first-person-in");
        }
        if (door.weightTolerancePct < 0 || door.weightTolerancePct > 50) {
            return bad("weight_tolerance_pct must be 0..50");
        }
        if (door.maxWeightG < 0 || door.maxWeightG > protocol::kMaxWeightG) {
            return bad("max_weight_kg must be 0.." + std::to_string(protocol::kMaxWeightG / 1000));
        }
        if (door.cycleTimeoutMs <= 0) {
            return bad("cycle_timeout_ms must be positive");
        }
    }
    if (door.firstPersonIn) {
        if (!protocol::isValidId(door.firstPersonIn->scheduleId)) {
            return bad("first_person_in schedule '" + door.firstPersonIn->scheduleId +
                       "' is not a valid id");
        }
        for (const auto& group : door.firstPersonIn->groups) {
            if (!protocol::isValidId(group)) {
                return bad("first_person_in group '" + group + "' is not a valid id");
            }
        }
    }
    return {};
}

}  // namespace sekimori::doors
