#include "doors/door_controller.hpp"

#include <sodium.h>

#include <set>
#include <utility>

#include "core/log.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {

namespace {

constexpr std::int64_t kUsPerMs = 1000;
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

const char* doorEventType(protocol::DoorEventKind kind) {
    switch (kind) {
        case protocol::DoorEventKind::opened:
            return "door.opened";
        case protocol::DoorEventKind::closed:
            return "door.closed";
        case protocol::DoorEventKind::forced:
            return "door.forced";
        case protocol::DoorEventKind::heldOpen:
            return "door.held_open";
        case protocol::DoorEventKind::exitRequested:
            return "door.exit_requested";
        case protocol::DoorEventKind::tamper:
        case protocol::DoorEventKind::tamperCleared:
            return "door.tamper";
    }
    return "door.tamper";
}

}  // namespace

struct DoorController::Session {
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
    std::unique_ptr<boost::asio::steady_timer> timer;
};

struct DoorController::DoorState {
    DoorSpec spec;
    core::TimeUs unlockedUntilUs = 0;
    std::optional<bool> open;  // empty until the panel reports the position
    bool tamper = false;
    bool heldOpenRaised = false;            // one door.held_open per opening
    std::optional<Passage> pendingPassage;  // a grant waiting for the door to open
    core::TimeUs pendingUntilUs = 0;
    std::string lastEventType;
    core::TimeUs lastEventUs = 0;
    std::unique_ptr<boost::asio::steady_timer> heldOpenTimer;
};

struct DoorController::PanelState {
    core::Bytes key;
    std::optional<bool> online;  // empty until the first status
    std::string firmware;
};

core::Result<std::unique_ptr<DoorController>> DoorController::create(
    boost::asio::any_io_executor executor, io::MqttLink& link, core::EventRecorder& recorder,
    const core::Clock& clock, std::string site, std::vector<DoorSpec> doors,
    std::vector<policy::Schedule> schedules, DoorKeys keys, CredentialStore& store,
    DoorControllerOptions options) {
    if (!protocol::isValidId(site)) {
        return core::makeError("doors.bad_spec", "site id '" + site + "' is not a valid id");
    }
    if (keys.pepper.size() != core::kPepperKeySize) {
        return core::makeError("doors.key", "PIN pepper key must be 32 bytes");
    }
    if (keys.templateKey.size() != core::kBoxKeySize) {
        return core::makeError("doors.key", "template key must be 32 bytes");
    }
    std::set<std::string> scheduleIds;
    for (const auto& s : schedules) {
        if (auto r = policy::validateSchedule(s); !r) {
            return r.error();
        }
        if (!scheduleIds.insert(s.id).second) {
            return core::makeError("doors.bad_schedule", "schedule " + s.id + " defined twice");
        }
    }
    std::set<std::string> doorIds;
    for (const auto& d : doors) {
        if (auto r = validateDoorSpec(d); !r) {
            return r.error();
        }
        if (!doorIds.insert(d.id).second) {
            return core::makeError("doors.bad_spec", "door " + d.id + " defined twice");
        }
        auto key = keys.panelKeys.find(d.panel);
        if (key == keys.panelKeys.end() || key->second.size() != core::kBoxKeySize) {
            return core::makeError("doors.key",
                                   "door " + d.id + ": panel " + d.panel + " has no 32-byte key");
        }
    }
    std::unique_ptr<DoorController> controller(
        new DoorController(std::move(executor), link, recorder, clock, std::move(site),
                           std::move(schedules), std::move(keys), store, options));
    for (auto& d : doors) {
        auto state = std::make_unique<DoorState>();
        controller->panels_[d.panel].key = controller->keys_.panelKeys.at(d.panel);
        state->spec = std::move(d);
        state->heldOpenTimer = std::make_unique<boost::asio::steady_timer>(controller->executor_);
        const std::string id = state->spec.id;
        controller->doors_.emplace(id, std::move(state));
    }
    if (auto r = controller->reloadCredentials(); !r) {
        return r.error();
    }
    return controller;
}

DoorController::DoorController(boost::asio::any_io_executor executor, io::MqttLink& link,
                               core::EventRecorder& recorder, const core::Clock& clock,
                               std::string site, std::vector<policy::Schedule> schedules,
                               DoorKeys keys, CredentialStore& store, DoorControllerOptions options)
    : executor_(std::move(executor)),
      link_(link),
      recorder_(recorder),
      clock_(clock),
      site_(std::move(site)),
      keys_(std::move(keys)),
      store_(store),
      options_(options),
      reloadTimer_(executor_) {
    for (auto& s : schedules) {
        const std::string id = s.id;
        schedules_.emplace(id, std::move(s));
    }
}

DoorController::~DoorController() {
    stop();
    wipe(keys_.pepper);
    wipe(keys_.templateKey);
    for (auto& [panel, key] : keys_.panelKeys) {
        wipe(key);
    }
    for (auto& [panel, state] : panels_) {
        wipe(state.key);
    }
}

void DoorController::start() {
    link_.onMessage([this, alive = std::weak_ptr<int>(alive_)](const io::MqttMessage& message) {
        if (!alive.expired()) {  // after stop() or destruction the link may still deliver
            handleMessage(message);
        }
    });
    armReloadTimer();
}

void DoorController::stop() {
    alive_ = std::make_shared<int>(0);  // callbacks already queued see their token expired
    reloadTimer_.cancel();
    for (auto& [id, door] : doors_) {
        door->heldOpenTimer->cancel();
    }
    sessions_.clear();
}

// --- credentials ------------------------------------------------------------------------------

core::Result<void> DoorController::reloadCredentials() {
    auto version = store_.dataVersion();
    auto loaded = store_.loadSnapshot();
    if (!loaded) {
        return loaded.error();
    }
    credentials_ = std::make_shared<const CredentialSnapshot>(std::move(loaded.value()));
    if (version) {
        dataVersion_ = version.value();
    }
    core::logDebug(kComponent,
                   "credentials loaded: " + std::to_string(credentials_->people.size()) +
                       " people, " + std::to_string(credentials_->cards.size()) + " cards");
    return {};
}

void DoorController::armReloadTimer() {
    reloadTimer_.expires_after(options_.reloadInterval);
    reloadTimer_.async_wait(
        [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (ec || alive.expired()) {
                return;
            }
            auto version = store_.dataVersion();
            if (!version) {
                core::logWarning(kComponent, "credential check failed: " + version.error().message);
            } else if (version.value() != dataVersion_) {
                if (auto r = reloadCredentials(); !r) {
                    core::logWarning(kComponent,
                                     "credential reload failed, keeping the previous snapshot: " +
                                         r.error().message);
                }
            }
            armReloadTimer();  // after completion: checks never overlap
        });
}

// --- dispatch ---------------------------------------------------------------------------------

void DoorController::handleMessage(const io::MqttMessage& message) {
    auto topic = protocol::parsePanelTopic(site_, message.topic);
    if (!topic) {
        reportError("mqtt.foreign_topic", message.topic, "",
                    "topic is not sekimori/" + site_ + "/panel/<panel>/<channel>");
        return;
    }
    if (panels_.count(topic->panel) == 0) {
        reportError("mqtt.foreign_topic", message.topic, topic->panel,
                    "panel '" + topic->panel + "' is not in the site configuration");
        return;
    }
    switch (topic->channel) {
        case protocol::PanelChannel::request:
            onRequest(topic->panel, message.topic, message.payload);
            return;
        case protocol::PanelChannel::event:
            onPanelEvent(topic->panel, message.topic, message.payload);
            return;
        case protocol::PanelChannel::status:
            onStatus(topic->panel, message.topic, message.payload);
            return;
        case protocol::PanelChannel::reply:
            return;  // our own replies, echoed by the broker to the wildcard subscription
    }
}

void DoorController::reportError(const char* type, const std::string& topic,
                                 const std::string& panel, const std::string& what) {
    // The offending payload is not repeated: it may hold a sealed secret or be huge.
    nlohmann::json payload{{"topic", topic}, {"panel", panel}, {"error", what}};
    core::logWarning(kComponent, std::string(type) + " on " + topic + ": " + what);
    recorder_.record(core::Event{clock_.nowUs(), type, panel.empty() ? "doors" : "panel:" + panel,
                                 "", payload.dump()});
    payload["type"] = type;
    link_.publish(protocol::errorTopic(site_), payload.dump());
}

// --- access requests --------------------------------------------------------------------------

void DoorController::onRequest(const std::string& panel, const std::string& topic,
                               std::string_view payload) {
    auto parsed = protocol::parsePanelRequest(payload);
    if (!parsed) {
        reportError("mqtt.bad_payload", topic, panel, parsed.error);
        return;
    }
    const protocol::PanelRequest& request = *parsed.value;
    auto door = doors_.find(request.door);
    if (door == doors_.end() || door->second->spec.panel != panel) {
        reportError("mqtt.bad_payload", topic, panel,
                    "door '" + request.door + "' is not served by panel '" + panel + "'");
        return;
    }
    const std::string key = sessionKey(panel, request);
    auto found = sessions_.find(key);
    if (found == sessions_.end()) {
        auto session = std::make_unique<Session>();
        session->key = key;
        session->panel = panel;
        session->id = request.session;
        session->door = &door->second->spec;
        session->side = request.side;
        session->generation = nextGeneration_++;
        found = sessions_.emplace(key, std::move(session)).first;
    }
    Session& session = *found->second;
    if (const auto* card = std::get_if<protocol::CardPresented>(&request.step);
        card && session.state.factorsDone == 0) {
        session.card = card->cardUid;
    }

    AccessRequest access{request.side, CardStep{}, clock_.nowUs()};
    if (const auto* pin = std::get_if<protocol::PinEntered>(&request.step)) {
        auto sealed = core::fromBase64(pin->pinBox);
        auto digits = sealed ? core::openBox(panels_.at(panel).key, sealed.value())
                             : core::Result<core::Bytes>(sealed.error());
        if (!digits) {
            reportError("mqtt.bad_payload", topic, panel,
                        "pin_box does not open with the key of panel '" + panel + "'");
            // docs/mqtt.md: a box that does not open counts as a wrong PIN.
            deny(key, reasonCode(DenyReason::wrongPin), "PIN box did not open with the panel key.");
            return;
        }
        const PersonRecord* person = credentials_->person(session.person);
        bool matches = false;
        if (person != nullptr && !person->pinHash.empty()) {
            core::Bytes hash = core::keyedHash(keys_.pepper, digits.value());
            matches = core::constantTimeEqual(hash, person->pinHash);
        }
        wipe(digits.value());
        access.step = PinStep{matches};
    } else if (const auto* finger = std::get_if<protocol::FingerScored>(&request.step)) {
        access.step = FingerStep{finger->score};
    }
    applyDecision(key, decide(access, snapshotFor(session)));
}

AccessSnapshot DoorController::snapshotFor(Session& session) const {
    AccessSnapshot snapshot;
    snapshot.door = session.door;
    snapshot.session = session.state;
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
        auto schedule = schedules_.find(*scheduleId);
        snapshot.schedule = schedule == schedules_.end() ? nullptr : &schedule->second;
    }
    return snapshot;
}

void DoorController::applyDecision(const std::string& key, const AccessDecision& decision) {
    Session& session = *sessions_.at(key);
    if (const auto* denied = std::get_if<Denied>(&decision.outcome)) {
        deny(key, reasonCode(denied->reason), describe(denied->reason));
        return;
    }
    session.state = decision.next;
    if (std::holds_alternative<Granted>(decision.outcome)) {
        grant(key);
        return;
    }
    challenge(session, std::get<NextFactor>(decision.outcome).factor);
}

void DoorController::challenge(Session& session, protocol::Factor next) {
    protocol::Challenge message{next, "", session.door->stepTimeoutMs};
    if (next == protocol::Factor::finger) {
        const PersonRecord* person = credentials_->person(session.person);
        if (person == nullptr || person->fingerBox.empty()) {
            deny(session.key, reasonCode(DenyReason::fingerMismatch),
                 "No fingerprint template is enrolled for the card holder.");
            return;
        }
        auto plain = core::openBox(keys_.templateKey, person->fingerBox);
        if (!plain) {
            core::logError(kComponent, "fingerprint template of " + person->id +
                                           " does not open with the template key");
            deny(session.key, protocol::reason::controllerError,
                 "Stored fingerprint template could not be opened.");
            return;
        }
        message.templateBox =
            core::toBase64(core::sealBox(panels_.at(session.panel).key, plain.value()));
        wipe(plain.value());
    }
    recordAccess(session, "access.challenge", "challenge", "",
                 {{"next", std::string(protocol::toString(next))}});
    reply(session, protocol::PanelReply{session.id, session.door->id, message});
    armStepTimer(session);
}

void DoorController::grant(const std::string& key) {
    auto owned = std::move(sessions_.at(key));
    sessions_.erase(key);
    Session& session = *owned;
    const DoorSpec& spec = *session.door;
    const core::TimeUs now = clock_.nowUs();
    recordAccess(session, "access.granted", "granted", protocol::reason::granted);
    reply(session,
          protocol::PanelReply{
              session.id, spec.id,
              protocol::Decision{true, std::string(protocol::reason::granted), spec.unlockMs}});
    DoorState& door = *doors_.at(spec.id);
    door.unlockedUntilUs = now + std::int64_t{spec.unlockMs} * kUsPerMs;
    const bool entry = session.side == protocol::DoorSide::entry;
    Passage passage{session.person,
                    session.personName,
                    spec.id,
                    entry ? spec.fromZone : spec.toZone,
                    entry ? spec.toZone : spec.fromZone,
                    now};
    if (door.open.has_value()) {
        // The door reports its position: the person has passed only once it opens.
        door.pendingPassage = std::move(passage);
        door.pendingUntilUs = door.unlockedUntilUs;
        return;
    }
    for (auto& e : presence_.pass(passage)) {
        recorder_.record(std::move(e));
    }
}

void DoorController::deny(const std::string& key, std::string_view reasonCode,
                          std::string_view detail) {
    auto owned = std::move(sessions_.at(key));
    sessions_.erase(key);
    Session& session = *owned;
    recordAccess(session, "access.denied", "denied", reasonCode, {{"detail", std::string(detail)}});
    reply(session, protocol::PanelReply{session.id, session.door->id,
                                        protocol::Decision{false, std::string(reasonCode), 0}});
}

void DoorController::armStepTimer(Session& session) {
    session.generation = nextGeneration_++;
    session.timer = std::make_unique<boost::asio::steady_timer>(
        executor_, std::chrono::milliseconds(session.door->stepTimeoutMs));
    session.timer->async_wait(
        [this, alive = std::weak_ptr<int>(alive_), key = session.key,
         generation = session.generation](const boost::system::error_code& ec) {
            if (ec || alive.expired()) {
                return;
            }
            onStepTimeout(key, generation);
        });
}

void DoorController::onStepTimeout(const std::string& key, std::uint64_t generation) {
    auto found = sessions_.find(key);
    if (found == sessions_.end() || found->second->generation != generation) {
        return;  // the session moved on or ended while the expiry was queued
    }
    Session& session = *found->second;
    AccessRequest expired{session.side, StepExpired{}, clock_.nowUs()};
    applyDecision(key, decide(expired, snapshotFor(session)));
}

void DoorController::reply(const Session& session, protocol::PanelReply message) {
    link_.publish(protocol::panelTopic(site_, session.panel, protocol::PanelChannel::reply),
                  protocol::encode(message));
}

void DoorController::recordAccess(const Session& session, const char* type,
                                  std::string_view decision, std::string_view reasonCode,
                                  nlohmann::json extra) {
    nlohmann::json payload{{"door", session.door->id},
                           {"side", std::string(protocol::toString(session.side))},
                           {"person", session.person},
                           {"person_name", session.personName},
                           {"decision", std::string(decision)},
                           {"reason", std::string(reasonCode)},
                           {"session", session.id},
                           {"card", session.card}};
    if (extra.is_object()) {
        payload.update(extra);
    }
    DoorState& door = *doors_.at(session.door->id);
    door.lastEventType = type;
    door.lastEventUs = clock_.nowUs();
    recorder_.record(core::Event{door.lastEventUs, type, "door:" + session.door->id, session.person,
                                 payload.dump()});
}

// --- door events and panel status -------------------------------------------------------------

void DoorController::recordDoor(DoorState& door, const std::string& type, nlohmann::json payload,
                                const std::string& subject) {
    door.lastEventType = type;
    door.lastEventUs = clock_.nowUs();
    payload["door"] = door.spec.id;
    recorder_.record(
        core::Event{door.lastEventUs, type, "door:" + door.spec.id, subject, payload.dump()});
}

void DoorController::onPanelEvent(const std::string& panel, const std::string& topic,
                                  std::string_view payload) {
    auto parsed = protocol::parsePanelEvent(payload);
    if (!parsed) {
        reportError("mqtt.bad_payload", topic, panel, parsed.error);
        return;
    }
    const protocol::PanelEvent& event = *parsed.value;
    auto found = doors_.find(event.door);
    if (found == doors_.end() || found->second->spec.panel != panel) {
        reportError("mqtt.bad_payload", topic, panel,
                    "door '" + event.door + "' is not served by panel '" + panel + "'");
        return;
    }
    DoorState& door = *found->second;
    const core::TimeUs now = clock_.nowUs();
    nlohmann::json details = nlohmann::json::object();
    if (!event.session.empty()) {
        details["session"] = event.session;
    }
    switch (event.kind) {
        case protocol::DoorEventKind::opened:
        case protocol::DoorEventKind::forced: {
            door.open = true;
            door.heldOpenRaised = false;
            std::optional<Passage> passage;
            if (event.kind == protocol::DoorEventKind::opened && door.pendingPassage &&
                now <= door.pendingUntilUs) {
                passage = std::move(door.pendingPassage);
            }
            door.pendingPassage.reset();
            recordDoor(door, doorEventType(event.kind), details,
                       passage ? passage->person : std::string());
            if (passage) {
                passage->timeUs = now;
                for (auto& e : presence_.pass(*passage)) {
                    recorder_.record(std::move(e));
                }
            }
            armHeldOpenTimer(door);
            return;
        }
        case protocol::DoorEventKind::closed:
            door.open = false;
            door.heldOpenTimer->cancel();
            recordDoor(door, "door.closed", details);
            return;
        case protocol::DoorEventKind::heldOpen:
            if (door.heldOpenRaised) {
                return;  // the controller's own timer already raised it
            }
            door.heldOpenRaised = true;
            details["detected_by"] = "panel";
            recordDoor(door, "door.held_open", details);
            return;
        case protocol::DoorEventKind::exitRequested:
            recordDoor(door, "door.exit_requested", details);
            return;
        case protocol::DoorEventKind::tamper:
        case protocol::DoorEventKind::tamperCleared:
            door.tamper = event.kind == protocol::DoorEventKind::tamper;
            details["state"] = door.tamper ? "active" : "cleared";
            recordDoor(door, "door.tamper", details);
            return;
    }
}

void DoorController::armHeldOpenTimer(DoorState& door) {
    door.heldOpenTimer->expires_after(std::chrono::milliseconds(door.spec.heldOpenMs));
    door.heldOpenTimer->async_wait([this, alive = std::weak_ptr<int>(alive_),
                                    id = door.spec.id](const boost::system::error_code& ec) {
        if (ec || alive.expired()) {
            return;
        }
        DoorState& state = *doors_.at(id);
        if (state.open.value_or(false) && !state.heldOpenRaised) {
            state.heldOpenRaised = true;
            recordDoor(state, "door.held_open",
                       {{"detected_by", "controller"}, {"held_open_ms", state.spec.heldOpenMs}});
        }
    });
}

void DoorController::onStatus(const std::string& panel, const std::string& topic,
                              std::string_view payload) {
    auto parsed = protocol::parsePanelStatus(payload);
    if (!parsed) {
        reportError("mqtt.bad_payload", topic, panel, parsed.error);
        return;
    }
    PanelState& state = panels_.at(panel);
    const bool online = parsed.value->online;
    if (!parsed.value->firmware.empty()) {
        state.firmware = parsed.value->firmware;
    }
    if (state.online == online) {
        return;  // a retained status seen again after a reconnect changes nothing
    }
    state.online = online;
    nlohmann::json body{{"panel", panel}, {"firmware", state.firmware}};
    recorder_.record(core::Event{clock_.nowUs(), online ? "panel.online" : "panel.offline",
                                 "panel:" + panel, "", body.dump()});
    if (online) {
        core::logInfo(kComponent, "panel " + panel + " online");
    } else {
        core::logWarning(kComponent, "panel " + panel + " offline");
    }
}

// --- console views ----------------------------------------------------------------------------

nlohmann::json DoorController::doorsJson() const {
    const core::TimeUs now = clock_.nowUs();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [id, door] : doors_) {
        const PanelState& panel = panels_.at(door->spec.panel);
        nlohmann::json item{
            {"id", id},
            {"name", door->spec.name},
            {"panel", door->spec.panel},
            {"from_zone", door->spec.fromZone},
            {"to_zone", door->spec.toZone},
            {"lock", now < door->unlockedUntilUs ? "unlocked" : "locked"},
            {"position", !door->open ? "unknown" : (*door->open ? "open" : "closed")},
            {"panel_online", panel.online ? nlohmann::json(*panel.online) : nlohmann::json()},
            {"tamper", door->tamper},
            {"last_event",
             door->lastEventType.empty()
                 ? nlohmann::json()
                 : nlohmann::json{{"type", door->lastEventType}, {"time_us", door->lastEventUs}}}};
        list.push_back(std::move(item));
    }
    return list;
}

nlohmann::json DoorController::presenceJson() const {
    return presence_.toJson();
}

}  // namespace sekimori::doors
