#include "doors/access_decision.hpp"

#include "doors/credential_binding.hpp"

namespace sekimori::doors {
namespace {

constexpr std::int64_t kUsPerMs = 1000;

AccessDecision deny(const SessionState& session, DenyReason reason) {
    return AccessDecision{session, Denied{reason}, session.duress};
}

// The factor a step gives. The keypad code is the pin factor of a keypad-only door: it may only
// open a session, and a PIN only answers a challenge.
std::optional<protocol::Factor> factorOf(const Step& step, std::size_t factorsDone) {
    if (std::holds_alternative<CardStep>(step)) {
        return protocol::Factor::card;
    }
    if (std::holds_alternative<KeypadStep>(step)) {
        return factorsDone == 0 ? std::optional(protocol::Factor::pin) : std::nullopt;
    }
    if (std::holds_alternative<PinStep>(step)) {
        return factorsDone > 0 ? std::optional(protocol::Factor::pin) : std::nullopt;
    }
    if (std::holds_alternative<FingerStep>(step)) {
        return protocol::Factor::finger;
    }
    return std::nullopt;
}

// Checked on every step, not only the card: a card revoked or a schedule ending mid-session
// stops the session at its next step.
std::optional<DenyReason> identityProblem(const AccessRequest& request,
                                          const AccessSnapshot& snapshot) {
    if (!snapshot.holder) {
        const bool keypad =
            factorsFor(*snapshot.door, request.side).front() == protocol::Factor::pin;
        return keypad ? DenyReason::unknownCode : DenyReason::unknownCard;
    }
    if (snapshot.holder->cardRevoked || !snapshot.holder->personActive) {
        return DenyReason::revoked;
    }
    if (request.side == protocol::DoorSide::exit) {
        return std::nullopt;
    }
    switch (snapshot.zoneAccess) {
        case ZoneAccess::allowed:
            return std::nullopt;
        case ZoneAccess::noAccess:
            return DenyReason::noAccess;
        case ZoneAccess::outsideSchedule:
            return DenyReason::outsideSchedule;
        case ZoneAccess::outsideValidity:
            return DenyReason::outsideValidity;
    }
    return DenyReason::noAccess;
}

}  // namespace

std::string_view reasonCode(DenyReason reason) {
    switch (reason) {
        case DenyReason::unknownCard:
            return protocol::reason::unknownCard;
        case DenyReason::revoked:
            return protocol::reason::revoked;
        case DenyReason::wrongPin:
            return protocol::reason::wrongPin;
        case DenyReason::fingerMismatch:
            return protocol::reason::fingerMismatch;
        case DenyReason::outsideSchedule:
            return protocol::reason::outsideSchedule;
        case DenyReason::noAccess:
            return protocol::reason::noAccess;
        case DenyReason::timeout:
            return protocol::reason::timeout;
        case DenyReason::factorOutOfOrder:
            return protocol::reason::factorOutOfOrder;
        case DenyReason::outsideValidity:
            return protocol::reason::outsideValidity;
        case DenyReason::unknownCode:
            return protocol::reason::unknownCode;
        case DenyReason::badCardFormat:
            return protocol::reason::badCardFormat;
    }
    return protocol::reason::controllerError;
}

std::string_view describe(DenyReason reason) {
    // The words live in the one reason-code table, beside the code (protocol/reason_codes).
    return protocol::describeReason(reasonCode(reason));
}

bool pinMatches(std::string_view pepper, const std::string& person, const core::Bytes& enrolledHash,
                std::string_view digits) {
    if (enrolledHash.empty() || person.empty()) {
        return false;
    }
    return core::constantTimeEqual(pinHash(pepper, person, digits), enrolledHash);
}

AccessDecision decide(const AccessRequest& request, const AccessSnapshot& snapshot) {
    const SessionState& session = snapshot.session;
    if (std::holds_alternative<StepExpired>(request.step)) {
        return deny(session, DenyReason::timeout);
    }
    if (snapshot.door == nullptr) {
        return deny(session, DenyReason::noAccess);
    }
    const DoorSpec& door = *snapshot.door;
    const auto& factors = factorsFor(door, request.side);
    if (session.factorsDone > 0 && session.factorsDone < factors.size() &&
        request.nowUs - session.lastStepUs >
            std::int64_t{stepTimeoutFor(door, factors[session.factorsDone])} * kUsPerMs) {
        return deny(session, DenyReason::timeout);
    }
    if (session.factorsDone >= factors.size() ||
        factorOf(request.step, session.factorsDone) != factors[session.factorsDone]) {
        return deny(session, DenyReason::factorOutOfOrder);
    }
    // An unreadable card names nobody: what the snapshot holds for it is not looked at.
    if (const auto* card = std::get_if<CardStep>(&request.step); card && !card->readable) {
        return deny(session, DenyReason::badCardFormat);
    }
    if (auto problem = identityProblem(request, snapshot)) {
        return deny(session, *problem);
    }
    SessionState next{session.factorsDone + 1, request.nowUs, session.duress};
    if (const auto* code = std::get_if<KeypadStep>(&request.step)) {
        next.duress = next.duress || code->duress;
    }
    if (const auto* pin = std::get_if<PinStep>(&request.step)) {
        if (pin->check == PinCheck::mismatch) {
            return deny(session, DenyReason::wrongPin);
        }
        next.duress = next.duress || pin->check == PinCheck::duress;
    }
    if (const auto* finger = std::get_if<FingerStep>(&request.step);
        finger && finger->score < door.fingerThreshold) {
        SessionState refused = session;
        refused.duress = next.duress;  // under duress and then refused: the duress still stands
        return deny(refused, DenyReason::fingerMismatch);
    }
    if (next.factorsDone == factors.size()) {
        return AccessDecision{next, Granted{}, next.duress};
    }
    return AccessDecision{next, NextFactor{factors[next.factorsDone]}, next.duress};
}

}  // namespace sekimori::doors
