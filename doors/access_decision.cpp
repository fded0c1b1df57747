#include "doors/access_decision.hpp"

#include "doors/credential_binding.hpp"

namespace sekimori::doors {
namespace {

constexpr std::int64_t kUsPerMs = 1000;

AccessDecision deny(const SessionState& session, DenyReason reason) {
    return AccessDecision{session, Denied{reason}};
}

std::optional<protocol::Factor> factorOf(const Step& step) {
    if (std::holds_alternative<CardStep>(step)) {
        return protocol::Factor::card;
    }
    if (std::holds_alternative<PinStep>(step)) {
        return protocol::Factor::pin;
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
        return DenyReason::unknownCard;
    }
    if (snapshot.holder->cardRevoked || !snapshot.holder->personActive) {
        return DenyReason::revoked;
    }
    if (request.side == protocol::DoorSide::exit) {
        return std::nullopt;
    }
    if (!snapshot.hasGrant) {
        return DenyReason::noAccess;
    }
    if (snapshot.schedule == nullptr || !policy::isWithin(*snapshot.schedule, request.nowUs)) {
        return DenyReason::outsideSchedule;
    }
    return std::nullopt;
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
    if (session.factorsDone > 0 &&
        request.nowUs - session.lastStepUs > std::int64_t{door.stepTimeoutMs} * kUsPerMs) {
        return deny(session, DenyReason::timeout);
    }
    if (session.factorsDone >= factors.size() ||
        factorOf(request.step) != factors[session.factorsDone]) {
        return deny(session, DenyReason::factorOutOfOrder);
    }
    if (auto problem = identityProblem(request, snapshot)) {
        return deny(session, *problem);
    }
    if (const auto* pin = std::get_if<PinStep>(&request.step); pin && !pin->matches) {
        return deny(session, DenyReason::wrongPin);
    }
    if (const auto* finger = std::get_if<FingerStep>(&request.step);
        finger && finger->score < door.fingerThreshold) {
        return deny(session, DenyReason::fingerMismatch);
    }
    const SessionState next{session.factorsDone + 1, request.nowUs};
    if (next.factorsDone == factors.size()) {
        return AccessDecision{next, Granted{}};
    }
    return AccessDecision{next, NextFactor{factors[next.factorsDone]}};
}

}  // namespace sekimori::doors
