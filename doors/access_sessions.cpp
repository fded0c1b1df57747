#include "doors/access_sessions.hpp"

#include <sodium.h>

#include <utility>

#include "core/core_event_types.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "doors/door_event_types.hpp"

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
    if (session.timer) {
        session.timer->cancel();
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
            deny(session, protocol::reason::wrongPin, "PIN box did not open with the panel key.");
            return;
        }
        const PersonRecord* person = credentials_ ? credentials_->person(session.person) : nullptr;
        bool matches = false;
        if (person != nullptr && !person->pinHash.empty()) {
            core::Bytes hash = core::keyedHash(parts_.keys.pepper, digits.value());
            matches = core::constantTimeEqual(hash, person->pinHash);
        }
        wipe(digits.value());
        decideStep(key, session.generation, PinStep{matches});
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
    if (const std::string* scheduleId = credentials_->grantSchedule(person->id, zone)) {
        snapshot.hasGrant = true;
        auto schedule = parts_.schedules.find(*scheduleId);
        snapshot.schedule = schedule == parts_.schedules.end() ? nullptr : &schedule->second;
    }
    return snapshot;
}

void AccessSessions::apply(Session& session, const AccessDecision& decision) {
    if (const auto* denied = std::get_if<Denied>(&decision.outcome)) {
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
        auto plain = core::openBox(parts_.keys.templateKey, person->fingerBox);
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
    commitThen(challengeEvent(context, next, parts_.clock.nowUs()), context, session.panel,
               session.key, "challenge",
               [this, key = session.key, generation = session.generation,
                reply = protocol::PanelReply{session.id, session.door->id, message}] {
                   auto found = sessions_.find(key);
                   if (found == sessions_.end() || found->second->generation != generation) {
                       return;
                   }
                   Session& s = *found->second;
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
                    0};
    const AccessContext context = contextOf(*owned);
    protocol::PanelReply reply{
        owned->id, door.id,
        protocol::Decision{true, std::string(protocol::reason::granted), door.unlockMs}};
    commitThen(grantedEvent(context, parts_.clock.nowUs()), context, owned->panel, "", "granted",
               [this, panel = owned->panel, reply, &door, passage] {
                   parts_.gateway.reply(panel, reply);
                   parts_.onGranted(door, passage);
               });
}

void AccessSessions::deny(Session& session, std::string_view reasonCode, std::string_view detail) {
    auto owned = take(session.key);
    const AccessContext context = contextOf(*owned);
    protocol::PanelReply reply{owned->id, owned->door->id,
                               protocol::Decision{false, std::string(reasonCode), 0}};
    commitThen(deniedEvent(context, reasonCode, detail, parts_.clock.nowUs()), context,
               owned->panel, "", "denied", [this, panel = owned->panel, reply, door = owned->door] {
                   parts_.gateway.reply(panel, reply);
                   parts_.onNoted(*door, kAccessDenied);
               });
}

void AccessSessions::commitThen(core::Event event, AccessContext context, std::string panel,
                                std::string key, std::string_view wanted,
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
    auto failSecure = [this, pending, context, panel, key,
                       wanted = std::string(wanted)](const std::string& why) {
        pending->settled = true;
        pending->deadline.cancel();
        if (!key.empty()) {
            take(key);  // the challenged session ends here
        }
        // Whatever was decided, the panel is told no, with a code an operator can read.
        parts_.gateway.reply(
            panel,
            protocol::PanelReply{
                context.session, context.door,
                protocol::Decision{false, std::string(protocol::reason::storeUnavailable), 0}});
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

}  // namespace sekimori::doors
