#include "protocol/reason_codes.hpp"

#include <array>

namespace sekimori::protocol {
namespace {

constexpr std::array kTable = {
    ReasonCode{reason::granted, "Every factor the door side requires was given, in order.",
               "granted"},
    ReasonCode{reason::unknownCard, "Card not enrolled at this site.", "unknown card"},
    ReasonCode{reason::revoked, "Card revoked or card holder deactivated.", "card revoked"},
    ReasonCode{reason::wrongPin, "PIN did not match the enrolled PIN.", "wrong PIN"},
    ReasonCode{reason::fingerMismatch,
               "Fingerprint score below the door's threshold, or no fingerprint enrolled.",
               "fingerprint not recognised"},
    ReasonCode{reason::outsideSchedule,
               "Card holder's schedule for this zone does not cover the current time.",
               "outside schedule"},
    ReasonCode{reason::noAccess, "Card holder has no access to this door's zone.", "no access"},
    ReasonCode{reason::timeout, "Next step not presented within the door's time limit.",
               "timed out"},
    ReasonCode{reason::factorOutOfOrder, "Step presented out of the order this door requires.",
               "wrong step"},
    ReasonCode{reason::lockedOut,
               "Card locked out after too many wrong PINs or fingerprints; it is refused until "
               "the lockout passes.",
               "card locked"},
    ReasonCode{reason::outsideValidity,
               "Card holder's enrollment or access level is not valid now (before its start date "
               "or after its end date).",
               "not valid today"},
    ReasonCode{reason::antiPassback,
               "Anti-passback: the card holder is recorded in the zone being entered (or not in "
               "the one being left); an operator may forgive it with a comment.",
               "anti-passback"},
    ReasonCode{reason::lockdown, "The zone is locked down; only exempt groups may enter.",
               "lockdown"},
    ReasonCode{reason::occupancyFull, "The zone already holds as many people as its limit.",
               "zone full"},
    ReasonCode{reason::noWorkWindow,
               "The card holder holds no work window the My Number vault approved for this zone "
               "now (ticket-bound entry).",
               "no work window"},
    ReasonCode{reason::notInRoom,
               "A rack opens only for someone presence records inside its room now (entered "
               "through the room's door, not left).",
               "not in the room"},
    ReasonCode{reason::noSecondPerson,
               "This rack opens only while a second person is recorded inside its room.",
               "no second person in the room"},
    ReasonCode{reason::portalHeld,
               "The portal is held (a metal-detector hit) until a guard clears it with a comment.",
               "held for a check"},
    ReasonCode{reason::awaitingSecondPerson,
               "Two-person rule: entry waits for a second authorised person to badge at this door "
               "within the window.",
               "waiting for second person"},
    ReasonCode{reason::awaitingEscort,
               "Visitor: entry waits for a host to badge at this door within the window.",
               "waiting for escort"},
    ReasonCode{reason::unknownCode, "Keypad code matches no enrolled person.", "unknown code"},
    ReasonCode{reason::badCardFormat,
               "The reader's card data is not a format this door accepts (or a Wiegand parity "
               "or facility code is wrong).",
               "card not readable"},
    ReasonCode{reason::storeUnavailable,
               "The decision could not be stored in the audit trail (database down or recorder "
               "queue full); the door stays locked until the store recovers.",
               "system error"},
    ReasonCode{reason::controllerError,
               "The controller could not decide (bad key, damaged credential), or the panel got "
               "no reply.",
               "system error"},
    ReasonCode{reason::offlineDegraded,
               "Decided by the panel alone: its offline cache was past the site's staleness "
               "bound, so this three-factor door applied its degraded mode and refused.",
               "offline: denied"},
    ReasonCode{reason::journalFull,
               "Decided by the panel alone: its event journal is full, and the site's policy "
               "refuses offline entries that could not be recorded.",
               "offline: denied"},
};

}  // namespace

std::span<const ReasonCode> reasonCodes() {
    return kTable;
}

const ReasonCode* findReasonCode(std::string_view code) {
    for (const auto& row : kTable) {
        if (row.code == code) {
            return &row;
        }
    }
    return nullptr;
}

bool isReasonCode(std::string_view code) {
    return findReasonCode(code) != nullptr;
}

std::string_view describeReason(std::string_view code) {
    const ReasonCode* row = findReasonCode(code);
    return row == nullptr ? "Unknown reason." : row->operatorText;
}

}  // namespace sekimori::protocol
