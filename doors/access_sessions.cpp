#include "doors/access_sessions.hpp"

#include <sodium.h>

#include <utility>

#include "core/core_event_types.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
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

// The step a request is.
protocol::Factor stepOf(const protocol::PanelRequest& request) {
    if (std::holds_alternative<protocol::CardPresented>(request.step)) {
        return protocol::Factor::card;
    }
    if (std::holds_alternative<protocol::PinEntered>(request.step)) {
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
    if (step != protocol::Factor::card) {
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
    const std::string& cardUid = session.state.factorsDone == 0 && step == protocol::Factor::card
                                     ? std::get<protocol::CardPresented>(request.step).cardUid
                                     : session.card;
    if (lockedOut(cardUid, parts_.clock.nowUs())) {
        if (session.card.empty()) {
            session.card = cardUid;
        }
        deny(session, protocol::reason::lockedOut,
             "Card locked out after too many wrong PINs or fingerprints.");
        return;
    }

    if (const auto* card = std::get_if<protocol::CardPresented>(&request.step)) {
        if (session.state.factorsDone == 0) {
            session.card = card->cardUid;
        }
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
    const auto& finger = std::get<protocol::FingerScored>(request.step);
    decideStep(key, session.generation, FingerStep{finger.score});
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
    const CardRecord* card = credentials_->card(session.card);
    const PersonRecord* person = card ? credentials_->person(card->person) : nullptr;
    if (card == nullptr || person == nullptr) {
        return snapshot;
    }
    session.person = person->id;
    session.personName = person->name;
    snapshot.holder = CardHolder{person->active, card->state == CardState::revoked};
    const std::string& zone =
        session.side == protocol::DoorSide::entry ? session.door->toZone : session.door->fromZone;
    // The direct grant only, until mayEnter() (levels, groups, validity) is wired here.
    if (const std::string* scheduleId = credentials_->grantSchedule(person->id, zone)) {
        auto schedule = parts_.schedules.find(*scheduleId);
        const bool within = schedule != parts_.schedules.end() &&
                            policy::isWithin(schedule->second, parts_.clock.nowUs());
        snapshot.zoneAccess = within ? ZoneAccess::allowed : ZoneAccess::outsideSchedule;
    }
    return snapshot;
}

void AccessSessions::apply(Session& session, const AccessDecision& decision) {
    if (const auto* denied = std::get_if<Denied>(&decision.outcome)) {
        if (denied->reason == DenyReason::wrongPin ||
            denied->reason == DenyReason::fingerMismatch) {
            noteFailure(session);
        }
        deny(session, reasonCode(denied->reason), describe(denied->reason));
        return;
    }
    session.state = decision.next;
    if (std::holds_alternative<Granted>(decision.outcome)) {
        grant(session);
        return;
    }
    challenge(session, std::get<NextFactor>(decision.outcome).factor);
}

void AccessSessions::challenge(Session& session, protocol::Factor next) {
    protocol::Challenge message{next, "", session.door->stepTimeoutMs};
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
    }
    const AccessContext context = contextOf(session);
    commitThen(challengeEvent(context, next, parts_.clock.nowUs()), context, session.answering,
               session.panel, session.key, "challenge",
               [this, key = session.key, generation = session.generation,
                reply = replyTo(session, message)] {
                   auto found = sessions_.find(key);
                   if (found == sessions_.end() || found->second->generation != generation) {
                       return;
                   }
                   Session& s = *found->second;
                   s.challengeNonce = reply.auth.nonce;
                   parts_.gateway.reply(s.panel, reply);
                   s.busy = false;
                   armStepTimer(s);
                   parts_.onNoted(*s.door, kAccessChallenge);
               });
}

void AccessSessions::grant(Session& session) {
    auto owned = take(session.key);
    const DoorSpec& door = *owned->door;
    const bool entry = owned->side == protocol::DoorSide::entry;
    Passage passage{owned->person,
                    owned->personName,
                    door.id,
                    entry ? door.fromZone : door.toZone,
                    entry ? door.toZone : door.fromZone,
                    0,
                    {}};
    const AccessContext context = contextOf(*owned);
    lockouts_.erase(owned->card);  // a full success clears the card's failures
    const protocol::PanelReply reply =
        replyTo(owned->id, door.id, owned->answering,
                protocol::Decision{true, std::string(protocol::reason::granted), door.unlockMs});
    commitThen(grantedEvent(context, parts_.clock.nowUs()), context, owned->answering, owned->panel,
               "", "granted", [this, panel = owned->panel, reply, &door, passage] {
                   parts_.gateway.reply(panel, reply);
                   parts_.onGranted(door, passage);
               });
}

void AccessSessions::deny(Session& session, std::string_view reasonCode, std::string_view detail) {
    auto owned = take(session.key);
    const AccessContext context = contextOf(*owned);
    const protocol::PanelReply reply =
        replyTo(owned->id, owned->door->id, owned->answering,
                protocol::Decision{false, std::string(reasonCode), 0});
    commitThen(deniedEvent(context, reasonCode, detail, parts_.clock.nowUs()), context,
               owned->answering, owned->panel, "", "denied",
               [this, panel = owned->panel, reply, door = owned->door] {
                   parts_.gateway.reply(panel, reply);
                   parts_.onNoted(*door, kAccessDenied);
               });
}

void AccessSessions::commitThen(core::Event event, AccessContext context, Answering answering,
                                std::string panel, std::string key, std::string_view wanted,
                                std::function<void()> deliver) {
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
    change.events.push_back(std::move(event));
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

void AccessSessions::armStepTimer(Session& session) {
    session.timer = std::make_unique<boost::asio::steady_timer>(
        parts_.executor, std::chrono::milliseconds(session.door->stepTimeoutMs));
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
    if (session.card.empty()) {
        return false;
    }
    const core::TimeUs now = parts_.clock.nowUs();
    const core::TimeUs window = toUs(parts_.lockout.window);
    // Bounded memory: cards whose failures all left the window (and are not locked) go.
    for (auto it = lockouts_.begin(); it != lockouts_.end();) {
        const auto& f = it->second;
        const bool stale = f.lockedUntilUs == 0
                               ? (f.failures.empty() || now - f.failures.back() >= window)
                               : now >= f.lockedUntilUs;
        it = stale && it->first != session.card ? lockouts_.erase(it) : std::next(it);
    }
    CardFailures& failures = lockouts_[session.card];
    if (failures.lockedUntilUs != 0) {
        return false;
    }
    std::erase_if(failures.failures, [&](core::TimeUs at) { return now - at >= window; });
    failures.failures.push_back(now);
    if (static_cast<int>(failures.failures.size()) < parts_.lockout.maxFailures) {
        return false;
    }
    failures.lockedUntilUs = now + toUs(parts_.lockout.lock);
    nlohmann::json payload{{"card", session.card},
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
