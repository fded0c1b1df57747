#include "doors/access_sessions.hpp"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "core/core_event_types.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "doors/card_reading.hpp"
#include "doors/credential_binding.hpp"
#include "doors/door_event_types.hpp"
#include "doors/panel_link_event_types.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

// Clear secrets (PIN digits, fingerprint templates) do not outlive their use.
void wipe(std::string& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
    secret.clear();
}

constexpr std::size_t kNonceBytes = 16;

// The person's enrolled weight for a circle gate's plate (PersonRecord::weightG, from
// door_person_weights); 0 when none is enrolled or the snapshot does not carry weights.
template <class Person>
int enrolledWeightG(const Person* person) {
    if constexpr (requires { person->weightG; }) {
        return person == nullptr ? 0 : static_cast<int>(person->weightG);
    } else {
        return 0;
    }
}

// The step a request is.
protocol::Factor stepOf(const protocol::PanelRequest& request) {
    if (std::holds_alternative<protocol::CardPresented>(request.step)) {
        return protocol::Factor::card;
    }
    // A keypad code is the PIN factor of a keypad-only door (its reply says "pin").
    if (std::holds_alternative<protocol::PinEntered>(request.step) ||
        std::holds_alternative<protocol::KeypadCode>(request.step)) {
        return protocol::Factor::pin;
    }
    return protocol::Factor::finger;
}

core::TimeUs toUs(std::chrono::seconds s) {
    return std::chrono::duration_cast<std::chrono::microseconds>(s).count();
}

std::string sessionKey(const std::string& panel, const protocol::PanelRequest& request) {
    return panel + "/" + request.door + "/" + std::string(protocol::toString(request.side)) + "/" +
           request.session;
}

// When presence recorded `person` entering `zone` (timed anti-passback); 0 when not there.
core::TimeUs recordedSince(const Presence& presence, const std::string& zone,
                           const std::string& person) {
    for (const auto& o : presence.occupantsOf(zone)) {
        if (o.person == person) {
            return o.sinceUs;
        }
    }
    return 0;
}

// The keypad code's holder by its two hashes: the exact code wins over a duress variant.
KeypadMatch matchKeypadHashes(const CredentialSnapshot& snapshot, const core::Bytes& exact,
                              const core::Bytes& originHash) {
    if (const std::string* person = snapshot.personByKeypadHash(exact)) {
        return KeypadMatch{person, false};
    }
    if (!originHash.empty()) {
        if (const std::string* person = snapshot.personByKeypadHash(originHash)) {
            return KeypadMatch{person, true};
        }
    }
    return KeypadMatch{};
}

// One companion wait per door and side.
std::string waitKeyOf(const std::string& door, protocol::DoorSide side) {
    return door + "/" + std::string(protocol::toString(side));
}

// The zone a side's passage enters, and the one it leaves.
const std::string& targetZoneOf(const DoorSpec& door, protocol::DoorSide side) {
    return side == protocol::DoorSide::entry ? door.toZone : door.fromZone;
}
const std::string& leftZoneOf(const DoorSpec& door, protocol::DoorSide side) {
    return side == protocol::DoorSide::entry ? door.fromZone : door.toZone;
}

}  // namespace

struct AccessSessions::Session {
    std::string key;
    std::string panel;
    std::string id;  // the panel's session id
    const DoorSpec* door = nullptr;
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::string card;
    std::string person;
    std::string personName;
    // Whose wrong PINs and codes count toward [door_lockout]: the card; at a keypad, where no card
    // names anyone, the door's keypad itself (so codes cannot be guessed at full speed).
    std::string lockoutKey() const { return card.empty() ? "keypad:" + door->id : card; }
    std::vector<std::string> groups;  // from the snapshot: admission and first-person-in
    bool escortRequired = false;
    bool duress = false;  // the PIN was the duress variant; sticky to the end of the session
    SessionState state;
    std::uint64_t generation = 0;
    // A step is being decided or its reply committed: a duplicate (QoS 1 redelivers) waits
    // for nothing and is dropped.
    bool busy = false;
    Answering answering;         // the latest accepted request
    std::string challengeNonce;  // the nonce the next step must name; empty before a challenge
    std::unique_ptr<boost::asio::steady_timer> timer;
};

AccessSessions::AccessSessions(AccessSessionsParts parts) : parts_(std::move(parts)) {}

AccessSessions::~AccessSessions() {
    stop();
}

void AccessSessions::setCredentials(std::shared_ptr<const CredentialSnapshot> credentials) {
    credentials_ = std::move(credentials);
}

void AccessSessions::stop() {
    alive_ = std::make_shared<int>(0);
    sessions_.clear();  // destroying the timers cancels them
    waits_.clear();
    recent_.clear();
}

AccessContext AccessSessions::contextOf(const Session& s) const {
    return AccessContext{s.door->id, s.side, s.person, s.personName, s.id, s.card};
}

std::unique_ptr<AccessSessions::Session> AccessSessions::take(const std::string& key) {
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
        return nullptr;
    }
    auto owned = std::move(it->second);
    sessions_.erase(it);
    return owned;
}

void AccessSessions::handle(const std::string& panel, const std::string& topic,
                            const DoorSpec& door, const protocol::PanelRequest& request) {
    const std::string key = sessionKey(panel, request);
    auto found = sessions_.find(key);
    const protocol::Factor step = stepOf(request);
    const bool opensSession = step == protocol::Factor::card ||
                              std::holds_alternative<protocol::KeypadCode>(request.step);
    if (!opensSession) {
        // A PIN or finger answers one challenge, named by its nonce: without it the step is
        // not one the controller asked for (a replay into another session, a forgery).
        if (found == sessions_.end() || found->second->challengeNonce.empty() ||
            !core::constantTimeEqual(found->second->challengeNonce, request.auth.nonce)) {
            parts_.gateway.refuse(panel, topic, LinkRefusal::unknownNonce);
            return;
        }
    }
    if (found == sessions_.end()) {
        auto session = std::make_unique<Session>();
        session->key = key;
        session->panel = panel;
        session->id = request.session;
        session->door = &door;
        session->side = request.side;
        session->generation = nextGeneration_++;
        found = sessions_.emplace(key, std::move(session)).first;
    }
    Session& session = *found->second;
    if (session.busy) {
        core::logWarning(kComponent, "step for session " + key +
                                         " while its previous step is being decided: dropped");
        return;
    }
    session.busy = true;
    session.generation = nextGeneration_++;
    session.answering = Answering{step, request.auth.counter, request.auth.nonce};
    const std::string answeredNonce = session.challengeNonce;
    session.challengeNonce.clear();  // one step per challenge
    if (session.timer) {
        session.timer->cancel();
    }
    const auto* card = std::get_if<protocol::CardPresented>(&request.step);
    if (card != nullptr && session.state.factorsDone == 0) {
        if (!takeCard(session, *card)) {
            return;  // denied bad_card_format
        }
    }
    if (lockedOut(session.lockoutKey(), parts_.clock.nowUs())) {
        deny(session, protocol::reason::lockedOut,
             session.card.empty() ? "Keypad locked out after too many wrong codes."
                                  : "Card locked out after too many wrong PINs or fingerprints.");
        return;
    }

    if (card != nullptr) {
        // Decide on credentials at least as new as the card read: an enrollment committed a
        // moment ago is seen, and a revocation too.
        parts_.refreshCredentials(
            [this, alive = std::weak_ptr<int>(alive_), key, generation = session.generation] {
                if (!alive.expired()) {
                    decideStep(key, generation, CardStep{});
                }
            });
        return;
    }
    if (const auto* pin = std::get_if<protocol::PinEntered>(&request.step)) {
        auto sealed = core::fromBase64(pin->pinBox);
        auto digits = sealed ? core::openBox(parts_.keys.panelKeys.at(panel), sealed.value())
                             : core::Result<core::Bytes>(sealed.error());
        if (!digits) {
            parts_.gateway.reportError(
                core::kMqttBadPayload, topic, panel,
                "pin_box does not open with the key of panel '" + panel + "'");
            // docs/mqtt.md: a box that does not open counts as a wrong PIN.
            noteFailure(session);
            deny(session, protocol::reason::wrongPin, "PIN box did not open with the panel key.");
            return;
        }
        // The box holds "<challenge nonce>:<digits>": a box sealed for another challenge (a
        // captured one, replayed) is a wrong PIN.
        std::string& plain = digits.value();
        const std::string prefix = answeredNonce + ":";
        const bool bound = plain.size() > prefix.size() &&
                           core::constantTimeEqual(plain.substr(0, prefix.size()), prefix);
        std::string pinDigits = bound ? plain.substr(prefix.size()) : std::string();
        wipe(plain);
        const PersonRecord* person = credentials_ ? credentials_->person(session.person) : nullptr;
        const PinCheck check = bound && person != nullptr ? pinCheck(parts_.keys.pepper, person->id,
                                                                     person->pinHash, pinDigits)
                                                          : PinCheck::mismatch;
        wipe(pinDigits);
        decideStep(key, session.generation, PinStep{check});
        return;
    }
    if (const auto* code = std::get_if<protocol::KeypadCode>(&request.step)) {
        takeKeypadCode(session, panel, topic, *code);
        return;
    }
    const auto& finger = std::get<protocol::FingerScored>(request.step);
    decideStep(key, session.generation, FingerStep{finger.score});
}

void AccessSessions::takeKeypadCode(Session& session, const std::string& panel,
                                    const std::string& topic, const protocol::KeypadCode& code) {
    auto sealed = core::fromBase64(code.codeBox);
    auto opened = sealed ? core::openBox(parts_.keys.panelKeys.at(panel), sealed.value())
                         : core::Result<core::Bytes>(sealed.error());
    std::string digits;
    if (opened) {
        // "<this request's nonce>:<digits>": a box captured from another request is refused.
        std::string& plain = opened.value();
        const std::string prefix = session.answering.nonce + ":";
        if (plain.size() > prefix.size() &&
            core::constantTimeEqual(plain.substr(0, prefix.size()), prefix)) {
            digits = plain.substr(prefix.size());
        }
        wipe(plain);
    } else {
        parts_.gateway.reportError(core::kMqttBadPayload, topic, panel,
                                   "code_box does not open with the key of panel '" + panel + "'");
    }
    // The code names the person: the exact holder, else the holder of its duress origin.
    // Only the keyed hashes outlive this function; the lookup waits for a fresh snapshot.
    auto exact = std::make_shared<core::Bytes>(
        digits.empty() ? core::Bytes() : keypadCodeHash(parts_.keys.pepper, digits));
    std::string origin = digits.empty() ? std::string() : duressOrigin(digits);
    auto duress = std::make_shared<core::Bytes>(
        origin.empty() ? core::Bytes() : keypadCodeHash(parts_.keys.pepper, origin));
    wipe(origin);
    wipe(digits);
    parts_.refreshCredentials([this, alive = std::weak_ptr<int>(alive_), key = session.key,
                               generation = session.generation, exact, duress] {
        if (alive.expired()) {
            return;
        }
        auto found = sessions_.find(key);
        if (found == sessions_.end() || found->second->generation != generation) {
            return;
        }
        KeypadMatch match;
        if (credentials_ && !exact->empty()) {
            match = matchKeypadHashes(*credentials_, *exact, *duress);
        }
        if (match.person != nullptr) {
            found->second->person = *match.person;
        }
        decideStep(key, generation, KeypadStep{match.duress});
    });
}

bool AccessSessions::takeCard(Session& session, const protocol::CardPresented& card) {
    auto identity = cardAtDoor(card, *session.door, parts_.wiegandFacilityCodes);
    if (!identity) {
        core::logWarning(kComponent, "door " + session.door->id + ": " + identity.error);
        decideStep(session.key, session.generation, CardStep{false});
        return false;
    }
    session.card = identity.value->id;
    return true;
}

void AccessSessions::decideStep(const std::string& key, std::uint64_t generation, Step step) {
    auto found = sessions_.find(key);
    if (found == sessions_.end() || found->second->generation != generation) {
        return;  // the session ended or moved on while this step was queued
    }
    Session& session = *found->second;
    const AccessRequest request{session.side, step, parts_.clock.nowUs()};
    apply(session, decide(request, snapshotFor(session)));
}

AccessSnapshot AccessSessions::snapshotFor(Session& session) const {
    AccessSnapshot snapshot;
    snapshot.door = session.door;
    snapshot.session = session.state;
    if (!credentials_) {
        return snapshot;
    }
    // A card names its holder; at a keypad-only door the code already named them.
    const CardRecord* card = session.card.empty() ? nullptr : credentials_->card(session.card);
    const std::string& holder = card != nullptr ? card->person : session.person;
    const PersonRecord* person = holder.empty() ? nullptr : credentials_->person(holder);
    if (person == nullptr || (card == nullptr && !session.door->keypadOnly)) {
        return snapshot;
    }
    session.person = person->id;
    session.personName = person->name;
    session.groups = person->groups;
    session.escortRequired = person->escortRequired;
    snapshot.holder =
        CardHolder{person->active, card != nullptr && card->state == CardState::revoked};
    if (session.side == protocol::DoorSide::entry) {
        snapshot.zoneAccess =
            mayEnter(*person, *credentials_, parts_.rules.levels, parts_.schedules,
                     session.door->toZone, parts_.clock.nowUs());
    }
    return snapshot;
}

void AccessSessions::apply(Session& session, const AccessDecision& decision) {
    if (const auto* denied = std::get_if<Denied>(&decision.outcome)) {
        if (denied->reason == DenyReason::wrongPin ||
            denied->reason == DenyReason::fingerMismatch ||
            denied->reason == DenyReason::unknownCode) {
            noteFailure(session);
        }
        deny(session, reasonCode(denied->reason), describe(denied->reason));
        return;
    }
    session.state = decision.next;
    session.duress = session.duress || decision.duress;
    if (std::holds_alternative<Granted>(decision.outcome)) {
        admitOrWait(session);
        return;
    }
    challenge(session, std::get<NextFactor>(decision.outcome).factor);
}

void AccessSessions::challenge(Session& session, protocol::Factor next) {
    protocol::Challenge message{next, "", stepTimeoutFor(*session.door, next)};
    if (next == protocol::Factor::finger) {
        const PersonRecord* person = credentials_ ? credentials_->person(session.person) : nullptr;
        if (person == nullptr || person->fingerBox.empty()) {
            deny(session, reasonCode(DenyReason::fingerMismatch),
                 "No fingerprint template is enrolled for the card holder.");
            return;
        }
        auto plain = openTemplate(parts_.keys.templateKey, person->id, person->fingerBox);
        if (!plain) {
            core::logError(kComponent, "fingerprint template of " + person->id +
                                           " does not open with the template key");
            deny(session, protocol::reason::controllerError,
                 "Stored fingerprint template could not be opened.");
            return;
        }
        message.templateBox =
            core::toBase64(core::sealBox(parts_.keys.panelKeys.at(session.panel), plain.value()));
        wipe(plain.value());
        // A second enrolled finger travels beside the first; the panel scores both.
        if (!person->secondFingerBox.empty()) {
            auto second =
                openTemplate(parts_.keys.templateKey, person->id, person->secondFingerBox);
            if (!second) {
                core::logError(kComponent, "second fingerprint template of " + person->id +
                                               " does not open with the template key");
            } else {
                message.templateBox2 = core::toBase64(
                    core::sealBox(parts_.keys.panelKeys.at(session.panel), second.value()));
                wipe(second.value());
            }
        }
    }
    const AccessContext context = contextOf(session);
    commitThen({challengeEvent(context, next, parts_.clock.nowUs())}, context, session.answering,
               session.panel, session.key, "challenge",
               [this, key = session.key, generation = session.generation, next,
                reply = replyTo(session, message)] {
                   auto found = sessions_.find(key);
                   if (found == sessions_.end() || found->second->generation != generation) {
                       return;
                   }
                   Session& s = *found->second;
                   s.challengeNonce = reply.auth.nonce;
                   parts_.gateway.reply(s.panel, reply);
                   s.busy = false;
                   armStepTimer(s, next);
                   parts_.onNoted(*s.door, kAccessChallenge);
               });
}

void AccessSessions::admitOrWait(Session& session) {
    const DoorSpec& door = *session.door;
    const core::TimeUs now = parts_.clock.nowUs();
    const std::string& target = targetZoneOf(door, session.side);
    const std::string& left = leftZoneOf(door, session.side);
    const std::string waitKey = waitKeyOf(door.id, session.side);
    const ZoneRules* targetRules = parts_.rules.rulesFor(target);
    const Entrant entrant{session.person, session.personName, session.groups,
                          session.escortRequired, session.duress};
    const std::optional<std::string> recorded = parts_.presence.zoneOf(session.person);

    AdmissionInput input;
    input.door = door.id;
    input.side = session.side;
    input.targetZone = target;
    input.leftZone = left;
    input.targetRules = targetRules;
    input.leftRules = parts_.rules.rulesFor(left);
    input.entrant = &entrant;
    input.nowUs = now;
    if (recorded) {
        input.recordedZone = *recorded;
        input.recordedSinceUs = recordedSince(parts_.presence, *recorded, session.person);
    }
    input.targetOccupants = parts_.presence.occupants(target).size();
    input.lockedDown = parts_.zones.lockedDown && parts_.zones.lockedDown(target);
    input.exemptGroups = &parts_.rules.lockdownExemptGroups;
    input.forgiven = parts_.zones.forgiven && parts_.zones.forgiven(session.person);
    input.inWorkWindow =
        parts_.zones.inWorkWindow && parts_.zones.inWorkWindow(session.person, target, now);
    if (targetRules != nullptr && !targetRules->presenceIn.empty()) {
        for (const auto& o : parts_.presence.occupantsOf(targetRules->presenceIn)) {
            if (o.person == session.person) {
                input.inPresenceZone = true;
            } else {
                ++input.othersInPresenceZone;
            }
        }
    }
    input.portalHold = parts_.zones.portalHold ? parts_.zones.portalHold(door.id) : nullptr;
    input.wait = openWait(waitKey, now);
    const core::TimeUs windowUs =
        toUs(targetRules != nullptr ? targetRules->companionWindow : kDefaultCompanionWindow);
    input.recentGrants = &recentGrants(waitKey, now, windowUs);

    Admission admission = admit(input);
    if (auto* admitted = std::get_if<Admit>(&admission)) {
        grant(session, *admitted);
        return;
    }
    if (auto* awaiting = std::get_if<AwaitCompanion>(&admission)) {
        await(session, std::move(*awaiting));
        return;
    }
    const auto& refused = std::get<Refuse>(admission);
    std::vector<core::Event> also;
    if (refused.duress) {
        also.push_back(duressEvent(contextOf(session), now));
    }
    deny(session, reasonCode(refused.reason), refused.detail, std::move(also));
}

void AccessSessions::grant(Session& session, const Admit& admitted) {
    auto owned = take(session.key);
    const DoorSpec& door = *owned->door;
    const core::TimeUs now = parts_.clock.nowUs();
    const std::string waitKey = waitKeyOf(door.id, owned->side);
    const std::string& target = targetZoneOf(door, owned->side);
    const std::string& left = leftZoneOf(door, owned->side);
    const AccessContext context = contextOf(*owned);
    // A full success clears the card's failures (a keypad's count is not cleared by one right
    // code).
    lockouts_.erase(owned->card);

    // Whoever waited at this door passes with the newcomer (the last of `passing`) when the
    // newcomer completes the wait: one grant, naming them as companions; each one's soft
    // anti-passback violation rides along. A wait the newcomer does not complete stays open.
    const DoorWait* wait = nullptr;
    if (auto it = waits_.find(waitKey); it != waits_.end() && admitted.waitCompleted) {
        wait = &it->second;
    }
    GrantDetails details;
    details.duress = owned->duress;
    std::vector<core::Event> events;
    std::vector<Passage> passages;
    std::vector<std::string> forgivenessUsed;
    std::vector<core::Event> violations;
    for (const Passing& p : admitted.passing) {
        const bool newcomer = p.entrant.person == owned->person;
        AccessContext theirs = context;
        if (!newcomer) {
            details.companions.push_back(Companion{p.entrant.person, p.entrant.name});
            if (wait != nullptr) {
                if (auto c = wait->contexts.find(p.entrant.person); c != wait->contexts.end()) {
                    theirs = c->second;
                }
            }
        }
        if (p.passbackViolation) {
            violations.push_back(passbackViolationEvent(theirs, target, p.recordedZone, now));
        }
        // A forgiveness lasts until the person's next entry, used or not (zone control's
        // rebuild replays it from access.granted the same way).
        if (p.forgivenessUsed || owned->side == protocol::DoorSide::entry) {
            forgivenessUsed.push_back(p.entrant.person);
        }
        passages.push_back(
            Passage{p.entrant.person, p.entrant.name, door.id, left, target, 0, p.entrant.groups});
    }
    events.push_back(grantedEvent(context, now, details));
    const int weightG = door.circleGate && credentials_
                            ? std::clamp(enrolledWeightG(credentials_->person(owned->person)), 0,
                                         protocol::kMaxWeightG)
                            : 0;
    if (weightG > 0) {  // the weight the gate was told to expect (docs/events.md)
        auto payload = nlohmann::json::parse(events.back().payload);
        payload["weight_g"] = weightG;
        events.back().payload = payload.dump();
    }
    if (owned->duress) {
        events.push_back(duressEvent(context, now));
    }
    for (auto& v : violations) {
        events.push_back(std::move(v));
    }
    if (admitted.waitCompleted) {
        waits_.erase(waitKey);  // its people pass now
    }
    protocol::Decision decision{true, std::string(protocol::reason::granted), door.unlockMs};
    decision.weightG = weightG;  // a gate weighs the person against it; 0: none enrolled
    const protocol::PanelReply reply = replyTo(owned->id, door.id, owned->answering, decision);
    commitThen(std::move(events), context, owned->answering, owned->panel, "", "granted",
               [this, panel = owned->panel, session = owned->id, reply, &door, waitKey, now,
                passages = std::move(passages), forgivenessUsed = std::move(forgivenessUsed),
                admitted]() mutable {
                   parts_.gateway.reply(panel, reply);
                   // An escort host who went first counts for a visitor within the window.
                   auto& recent = recent_[waitKey];
                   for (const Passing& p : admitted.passing) {
                       recent.push_back(RecentGrant{p.entrant.person, p.entrant.groups,
                                                    p.entrant.escortRequired, now});
                   }
                   if (parts_.zones.consumeForgiveness) {
                       for (const auto& person : forgivenessUsed) {
                           parts_.zones.consumeForgiveness(person);
                       }
                   }
                   parts_.onGranted(door, session, std::move(passages));
               });
}

void AccessSessions::await(Session& session, AwaitCompanion awaiting) {
    auto owned = take(session.key);
    const DoorSpec& door = *owned->door;
    const core::TimeUs now = parts_.clock.nowUs();
    const std::string waitKey = waitKeyOf(door.id, owned->side);
    const AccessContext context = contextOf(*owned);
    const std::string_view reason = reasonCode(awaiting.rule);
    lockouts_.erase(owned->card);  // every factor was right
    std::vector<core::Event> events;
    events.push_back(companionPendingEvent(context, toString(awaiting.rule), reason,
                                           awaiting.wait.untilUs, now));
    if (awaiting.duress) {
        events.push_back(duressEvent(context, now));
    }
    const protocol::PanelReply reply = replyTo(owned->id, door.id, owned->answering,
                                               protocol::Decision{false, std::string(reason), 0});
    commitThen(std::move(events), context, owned->answering, owned->panel, "", "denied",
               [this, panel = owned->panel, reply, door = owned->door, waitKey, context, now,
                wait = std::move(awaiting.wait)]() mutable {
                   parts_.gateway.reply(panel, reply);
                   // The new wait replaces the door's (it carries the people already waiting).
                   DoorWait next;
                   if (auto it = waits_.find(waitKey); it != waits_.end()) {
                       next.contexts = std::move(it->second.contexts);
                       next.arrivals = std::move(it->second.arrivals);
                   }
                   next.wait = std::move(wait);
                   next.door = door;
                   next.contexts[context.person] = context;
                   next.arrivals.emplace(context.person, now);
                   waits_[waitKey] = std::move(next);
                   armWaitTimer(waitKey);
                   parts_.onNoted(*door, kAccessCompanionPending);
               });
}

const CompanionWait* AccessSessions::openWait(const std::string& waitKey, core::TimeUs now) {
    auto it = waits_.find(waitKey);
    if (it == waits_.end()) {
        return nullptr;
    }
    if (now >= it->second.wait.untilUs) {
        expireWait(waitKey);  // its timer has not fired yet: the clock says it is over
        return nullptr;
    }
    return &it->second.wait;
}

void AccessSessions::expireWait(const std::string& waitKey) {
    auto it = waits_.find(waitKey);
    if (it == waits_.end()) {
        return;
    }
    DoorWait wait = std::move(it->second);
    waits_.erase(it);
    const core::TimeUs now = parts_.clock.nowUs();
    const std::string_view rule = toString(wait.wait.rule);
    const std::string_view reason = reasonCode(wait.wait.rule);
    // Nobody came: each waiting person's wait is on the record (a tailgate attempt at a
    // two-person door shows here); the door stayed locked.
    for (const Passing& p : wait.wait.waiting) {
        auto c = wait.contexts.find(p.entrant.person);
        if (c == wait.contexts.end()) {
            continue;
        }
        auto arrived = wait.arrivals.find(p.entrant.person);
        const core::TimeUs since =
            arrived != wait.arrivals.end() ? arrived->second : wait.wait.sinceUs;
        parts_.recorder.record(
            companionExpiredEvent(c->second, rule, reason, (now - since) / 1'000'000, now));
    }
    parts_.onNoted(*wait.door, kAccessCompanionExpired);
}

void AccessSessions::armWaitTimer(const std::string& waitKey) {
    auto it = waits_.find(waitKey);
    if (it == waits_.end()) {
        return;
    }
    DoorWait& wait = it->second;
    const core::TimeUs left = std::max<core::TimeUs>(0, wait.wait.untilUs - parts_.clock.nowUs());
    wait.timer = std::make_unique<boost::asio::steady_timer>(parts_.executor,
                                                             std::chrono::microseconds(left));
    wait.timer->async_wait([this, alive = std::weak_ptr<int>(alive_), waitKey,
                            until = wait.wait.untilUs](const boost::system::error_code& ec) {
        if (ec || alive.expired()) {
            return;
        }
        auto found = waits_.find(waitKey);
        if (found == waits_.end() || found->second.wait.untilUs != until) {
            return;  // passed, or replaced by a newer wait
        }
        if (parts_.clock.nowUs() < until) {
            armWaitTimer(waitKey);  // the clock is behind the timer: wait for the rest
            return;
        }
        expireWait(waitKey);
    });
}

std::vector<RecentGrant>& AccessSessions::recentGrants(const std::string& waitKey, core::TimeUs now,
                                                       core::TimeUs keepUs) {
    auto& recent = recent_[waitKey];
    std::erase_if(recent, [&](const RecentGrant& g) { return now - g.timeUs > keepUs; });
    return recent;
}

void AccessSessions::deny(Session& session, std::string_view reasonCode, std::string_view detail,
                          std::vector<core::Event> also) {
    auto owned = take(session.key);
    const AccessContext context = contextOf(*owned);
    const protocol::PanelReply reply =
        replyTo(owned->id, owned->door->id, owned->answering,
                protocol::Decision{false, std::string(reasonCode), 0});
    std::vector<core::Event> events{deniedEvent(context, reasonCode, detail, parts_.clock.nowUs())};
    for (auto& e : also) {
        events.push_back(std::move(e));
    }
    commitThen(std::move(events), context, owned->answering, owned->panel, "", "denied",
               [this, panel = owned->panel, reply, door = owned->door] {
                   parts_.gateway.reply(panel, reply);
                   parts_.onNoted(*door, kAccessDenied);
               });
}

void AccessSessions::commitThen(std::vector<core::Event> events, AccessContext context,
                                Answering answering, std::string panel, std::string key,
                                std::string_view wanted, std::function<void()> deliver) {
    // Whichever comes first settles the step: the commit's onDone, or the patience deadline.
    // The recorder retries a failing disk for as long as it takes; the panel must not wait
    // for that (its own reply time-out is 5 s), so a commit not durable in time is a denial.
    struct Pending {
        bool settled = false;
        boost::asio::steady_timer deadline;
        explicit Pending(boost::asio::any_io_executor ex) : deadline(std::move(ex)) {}
    };
    auto pending = std::make_shared<Pending>(parts_.executor);
    auto failSecure = [this, pending, context, answering, panel, key,
                       wanted = std::string(wanted)](const std::string& why) {
        pending->settled = true;
        pending->deadline.cancel();
        if (!key.empty()) {
            take(key);  // the challenged session ends here
        }
        // Whatever was decided, the panel is told no, with a code an operator can read.
        parts_.gateway.reply(
            panel,
            replyTo(context.session, context.door, answering,
                    protocol::Decision{false, std::string(protocol::reason::storeUnavailable), 0}));
        parts_.gateway.raiseError(
            storeUnavailableEvent(context, wanted, why, parts_.clock.nowUs()));
    };
    pending->deadline.expires_after(parts_.commitPatience);
    pending->deadline.async_wait([alive = std::weak_ptr<int>(alive_), pending,
                                  failSecure](const boost::system::error_code& ec) {
        if (ec || alive.expired() || pending->settled) {
            return;
        }
        failSecure("not durable within the commit patience; the store is failing");
    });

    core::Change change;
    change.events = std::move(events);
    change.onDone = [alive = std::weak_ptr<int>(alive_), pending, failSecure,
                     deliver = std::move(deliver),
                     what = std::string(wanted)](const core::Result<void>& durable) {
        if (alive.expired()) {
            return;
        }
        if (pending->settled) {
            if (durable) {
                // Stored after the panel was told store_unavailable: the trail holds both.
                core::logWarning(kComponent,
                                 "a " + what + " became durable after its panel was denied");
            }
            return;
        }
        if (!durable) {
            failSecure(durable.error().message);
            return;
        }
        pending->settled = true;
        pending->deadline.cancel();
        deliver();
    };
    parts_.recorder.commit(std::move(change));
}

void AccessSessions::armStepTimer(Session& session, protocol::Factor next) {
    session.timer = std::make_unique<boost::asio::steady_timer>(
        parts_.executor, std::chrono::milliseconds(stepTimeoutFor(*session.door, next)));
    session.timer->async_wait(
        [this, alive = std::weak_ptr<int>(alive_), key = session.key,
         generation = session.generation](const boost::system::error_code& ec) {
            if (ec || alive.expired()) {
                return;
            }
            auto found = sessions_.find(key);
            if (found == sessions_.end() || found->second->generation != generation) {
                return;  // the session moved on while the expiry was queued
            }
            Session& s = *found->second;
            s.busy = true;
            s.generation = nextGeneration_++;
            decideStep(key, s.generation, StepExpired{});
        });
}

protocol::PanelReply AccessSessions::replyTo(const Session& session,
                                             protocol::Challenge challenge) const {
    protocol::PanelReply reply;
    reply.session = session.id;
    reply.door = session.door->id;
    reply.step = session.answering.step;
    reply.body = std::move(challenge);
    reply.auth.counter = session.answering.counter;
    // The next step must name this nonce; nobody could have guessed it before.
    reply.auth.nonce = core::toHex(core::randomBytes(kNonceBytes));
    return reply;
}

protocol::PanelReply AccessSessions::replyTo(const std::string& sessionId, const std::string& door,
                                             const Answering& answering,
                                             protocol::Decision decision) const {
    protocol::PanelReply reply;
    reply.session = sessionId;
    reply.door = door;
    reply.step = answering.step;
    reply.body = std::move(decision);
    reply.auth.counter = answering.counter;
    reply.auth.nonce = answering.nonce;
    return reply;
}

bool AccessSessions::lockedOut(const std::string& card, core::TimeUs now) {
    auto it = lockouts_.find(card);
    if (it == lockouts_.end()) {
        return false;
    }
    if (it->second.lockedUntilUs != 0 && now >= it->second.lockedUntilUs) {
        lockouts_.erase(it);  // the lock passed: the card starts afresh
        return false;
    }
    return it->second.lockedUntilUs != 0;
}

bool AccessSessions::noteFailure(const Session& session) {
    const std::string key = session.lockoutKey();
    const core::TimeUs now = parts_.clock.nowUs();
    const core::TimeUs window = toUs(parts_.lockout.window);
    // Bounded memory: cards whose failures all left the window (and are not locked) go.
    for (auto it = lockouts_.begin(); it != lockouts_.end();) {
        const auto& f = it->second;
        const bool stale = f.lockedUntilUs == 0
                               ? (f.failures.empty() || now - f.failures.back() >= window)
                               : now >= f.lockedUntilUs;
        it = stale && it->first != key ? lockouts_.erase(it) : std::next(it);
    }
    CardFailures& failures = lockouts_[key];
    if (failures.lockedUntilUs != 0) {
        return false;
    }
    std::erase_if(failures.failures, [&](core::TimeUs at) { return now - at >= window; });
    failures.failures.push_back(now);
    if (static_cast<int>(failures.failures.size()) < parts_.lockout.maxFailures) {
        return false;
    }
    failures.lockedUntilUs = now + toUs(parts_.lockout.lock);
    nlohmann::json payload{{"card", key},
                           {"person", session.person},
                           {"person_name", session.personName},
                           {"door", session.door->id},
                           {"failures", failures.failures.size()},
                           {"window_s", parts_.lockout.window.count()},
                           {"locked_until_us", failures.lockedUntilUs}};
    failures.failures.clear();
    parts_.gateway.raiseError(core::Event{now, kAccessCardLockedOut, "door:" + session.door->id,
                                          session.person, payload.dump()});
    return true;
}

}  // namespace sekimori::doors
