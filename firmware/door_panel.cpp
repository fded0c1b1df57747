#include "firmware/door_panel.hpp"

#include <algorithm>

namespace sekimori::firmware {

namespace {

namespace reason = protocol::reason;

// The card id the controller will look the reading up by (protocol/card_format.hpp); empty when
// the reading does not decode (the controller then denies it bad_card_format).
std::string cardIdOf(const CardRead& card) {
    const auto decoded = card.format.empty() ? protocol::decodeCard("", card.uid)
                                             : protocol::decodeCard(card.format, card.raw);
    return decoded ? decoded.value->id : std::string();
}

// Holds the state being changed and the outputs so far; each handler below reads as the
// panel's rule for one input.
struct Machine {
    const PanelConfig& config;
    PanelState state;
    std::int64_t now;
    std::vector<Output> outputs;

    void emit(Output output) { outputs.push_back(std::move(output)); }
    void ignore(std::string why) { emit(Ignored{std::move(why)}); }

    std::uint64_t nextCounter() {
        state.counter = std::max(state.counter + 1, config.firstCounter);
        return state.counter;
    }

    // A request of `step` in the current session; it becomes the one a reply must answer.
    protocol::PanelRequest newRequest(protocol::Factor step) {
        protocol::PanelRequest out;
        out.session = state.session;
        out.door = config.door;
        out.side = config.side;
        out.auth.epoch = state.linkEpoch;
        out.auth.counter = nextCounter();
        if (step != protocol::Factor::card) {
            out.auth.nonce = state.challengeNonce;
        }
        state.outstandingCounter = out.auth.counter;
        state.outstandingStep = step;
        return out;
    }

    void sendEvent(protocol::DoorEventKind kind, std::string session = {}) {
        protocol::PanelEvent event;
        event.door = config.door;
        event.kind = kind;
        event.session = std::move(session);
        if (kind == protocol::DoorEventKind::readerOffline ||
            kind == protocol::DoorEventKind::readerOnline) {
            event.side = config.side;  // this panel's reader
        }
        event.counter = nextCounter();
        emit(SendEvent{stamped(std::move(event))});
    }

    // Every event carries the wall clock's time of when it happened (0 while none is known).
    protocol::PanelEvent stamped(protocol::PanelEvent event) const {
        if (state.wallOffsetMs) {
            event.occurredUs = std::max<std::int64_t>(now + *state.wallOffsetMs, 0) * 1000;
        }
        return event;
    }

    // --- offline decisions (firmware/offline_cache) -------------------------------------------
    OfflineContext offlineContext() const {
        OfflineClock clock;
        clock.nowMs = now;
        if (state.wallOffsetMs) {
            clock.unixMs = now + *state.wallOffsetMs;
        }
        clock.utcOffsetMinutes = config.utcOffsetMinutes;
        return OfflineContext{state.cache, state.commands.denied, clock, state.journalFull};
    }

    bool canDecideOffline() const { return firmware::canDecideOffline(offlineContext()); }

    void offlineEvent(const OfflineStep& step) {
        protocol::PanelEvent event;
        event.door = config.door;
        event.kind = step.outcome == OfflineOutcome::granted
                         ? protocol::DoorEventKind::offlineGranted
                         : protocol::DoorEventKind::offlineDenied;
        event.session = state.session;
        event.side = step.session.side;
        event.card = step.session.card;
        event.person = step.session.person;
        event.reason = step.reason;
        event.degraded = step.session.degraded;
        event.counter = nextCounter();
        emit(SendEvent{stamped(std::move(event))});
    }

    // Carries out one offline step: ask for the next factor, or decide (event, screen, lock).
    void offlineStep(OfflineStep step) {
        state.offline = true;
        state.outstandingCounter = 0;  // nothing the controller says answers this session now
        switch (step.outcome) {
            case OfflineOutcome::askPin:
                state.offlineSession = std::move(step.session);
                state.phase = Phase::awaitingPin;
                state.pinDigits.clear();
                state.deadlineMs = now + kOfflineFactorTimeoutMs;
                emit(Display{Screen::enterPin, {}, 0});
                return;
            case OfflineOutcome::askFinger:
                state.offlineSession = std::move(step.session);
                state.phase = Phase::awaitingFinger;
                state.templateBox = std::move(step.templateBox);
                state.templateBox2 = std::move(step.templateBox2);
                state.deadlineMs = now + kOfflineFactorTimeoutMs;
                emit(Display{Screen::placeFinger, {}, 0});
                return;
            case OfflineOutcome::granted: {
                offlineEvent(step);
                const std::string session = state.session;
                endSession();
                emit(Display{Screen::granted, {}, 0});
                releaseLock(step.unlockMs, session);
                return;
            }
            case OfflineOutcome::denied:
                // A reading that does not decode names no card a report could carry: refused
                // at the reader only (online the controller records it).
                if (!step.session.card.empty()) {
                    offlineEvent(step);
                }
                deny(step.reason);
                return;
        }
    }

    // The session's card decided from the cache, from its first factor.
    void decideOffline() {
        offlineStep(offlineCard(offlineContext(), config.side, state.sessionCard, state.twoPerson));
    }

    // A waiting session whose controller is gone: decided offline at once when the cache can (a
    // card session), else denied controller_error as before.
    void controllerGone() {
        if (!state.sessionCard.empty() && canDecideOffline()) {
            const std::string card = state.sessionCard;
            const std::string session = state.session;
            endSession();
            state.session = session;
            state.sessionCard = card;
            decideOffline();
            return;
        }
        deny(reason::controllerError);
    }

    void endSession() {
        state.phase = Phase::idle;
        state.session.clear();
        state.pinDigits.clear();
        state.templateBox.clear();
        state.templateBox2.clear();
        state.challengeNonce.clear();
        state.outstandingCounter = 0;
        state.deadlineMs = 0;
        state.sessionCard.clear();
        state.offline = false;
        state.offlineSession = OfflineSession{};
    }

    void deny(std::string_view code) {
        endSession();
        emit(Display{Screen::denied, std::string(code), 0});
    }

    void releaseLock(int ms, std::string session) {
        // A hold in force is never shortened by a grant or an exit.
        const bool keepHold = state.commands.holding && state.lockUntilMs > now + ms;
        state.lockReleased = true;
        state.lockUntilMs = keepHold ? state.lockUntilMs : now + ms;
        state.grantSession = std::move(session);
        emit(DriveLock{true, ms});
    }

    void relock() {
        if (state.lockReleased) {
            state.lockReleased = false;
            state.grantSession.clear();
            emit(DriveLock{false, 0});
        }
    }

    void awaitReply() {
        state.phase = Phase::awaitingReply;
        state.deadlineMs = now + config.replyTimeoutMs;
        emit(Display{Screen::checking, {}, 0});
    }

    // Time-outs first, so an input that arrives after its deadline finds the session gone.
    void expire() {
        const bool waiting = state.phase != Phase::idle;
        if (waiting && now >= state.deadlineMs) {
            if (state.offline) {
                // An offline session whose person gave no factor in time: decided (timeout).
                OfflineStep step;
                step.reason = std::string(reason::timeout);
                step.session = state.offlineSession;
                offlineEvent(step);
                deny(reason::timeout);
            } else if (state.phase == Phase::awaitingReply) {
                // No reply at all: the controller is silent until it answers or announces its
                // link; the waiting person is decided offline now (when the cache can).
                state.controllerSilent = true;
                controllerGone();
            } else {
                deny(reason::timeout);  // a missing factor is the person's
            }
        }
        if (state.lockReleased && now >= state.lockUntilMs) {
            state.commands.holding = false;
            relock();
        }
        if (state.doorOpen && !state.heldOpenReported &&
            now >= state.openedAtMs + config.heldOpenMs) {
            state.heldOpenReported = true;
            sendEvent(protocol::DoorEventKind::heldOpen, state.openSession);
        }
    }

    // A new card (or the first key of a code) always starts over: whoever badged before has
    // walked away, and replies to the old session become stale.
    void startSession() {
        state.sessionCounter += 1;
        endSession();
        state.session = config.sessionPrefix + "-" + std::to_string(state.sessionCounter);
    }

    void on(const CardRead& card) {
        if (config.keypadOnly) {
            ignore("card: a keypad-only door reads no card");
            return;
        }
        startSession();
        state.sessionCard = cardIdOf(card);
        if (offlineMode(state) && canDecideOffline()) {
            decideOffline();  // the deny list, then the cache
            return;
        }
        if (state.commands.denied.contains(state.sessionCard)) {
            deny(reason::revoked);  // the local deny list: the controller is not asked
            return;
        }
        if (state.linkEpoch.empty()) {
            // Without the controller's epoch no request would be accepted.
            deny(reason::controllerError);
            return;
        }
        auto out = newRequest(protocol::Factor::card);
        out.step = protocol::CardPresented{card.uid, card.format, card.raw};
        emit(SendRequest{std::move(out)});
        awaitReply();
    }

    // At a keypad-only door the code is typed from idle; Enter sends it as the session's first
    // step.
    void typeCode(const KeypadDigit& key) {
        if (key.digit < '0' || key.digit > '9') {
            ignore("keypad: not a digit");
            return;
        }
        if (state.phase == Phase::idle) {
            startSession();
            state.phase = Phase::enteringCode;
        }
        if (state.pinDigits.size() >= config.maxPinDigits) {
            ignore("keypad: code too long");
            return;
        }
        state.pinDigits.push_back(key.digit);
        state.deadlineMs = now + config.codeEntryMs;
        emit(Display{Screen::enterCode, {}, static_cast<int>(state.pinDigits.size())});
    }

    void sendCode() {
        if (state.linkEpoch.empty()) {
            deny(reason::controllerError);
            return;
        }
        // Answered as the door's pin factor; the runner seals the digits under the request's own
        // fresh nonce.
        auto out = newRequest(protocol::Factor::pin);
        out.step = protocol::KeypadCode{};
        emit(SendPin{std::move(out), state.pinDigits});
        state.pinDigits.clear();
        awaitReply();
    }

    void on(const KeypadDigit& key) {
        if (config.keypadOnly &&
            (state.phase == Phase::idle || state.phase == Phase::enteringCode)) {
            typeCode(key);
            return;
        }
        if (state.phase != Phase::awaitingPin) {
            ignore("keypad: no PIN asked for");
            return;
        }
        if (key.digit < '0' || key.digit > '9') {
            ignore("keypad: not a digit");
            return;
        }
        if (state.pinDigits.size() >= config.maxPinDigits) {
            ignore("keypad: PIN too long");
            return;
        }
        state.pinDigits.push_back(key.digit);
        emit(Display{Screen::enterPin, {}, static_cast<int>(state.pinDigits.size())});
    }

    void on(const KeypadEnter&) {
        if (state.phase == Phase::enteringCode) {
            sendCode();
            return;
        }
        if (state.phase != Phase::awaitingPin) {
            ignore("keypad: no PIN asked for");
            return;
        }
        if (state.pinDigits.empty()) {
            ignore("keypad: no digits");
            return;
        }
        if (state.offline) {
            // Checked against the cache: the HAL hashes the digits for the entry's person.
            emit(VerifyOfflinePin{state.offlineSession.person, state.pinDigits});
            state.pinDigits.clear();
            state.phase = Phase::checkingPin;
            state.deadlineMs = now + config.replyTimeoutMs;
            emit(Display{Screen::checking, {}, 0});
            return;
        }
        auto out = newRequest(protocol::Factor::pin);
        out.step = protocol::PinEntered{};
        emit(SendPin{std::move(out), state.pinDigits});
        state.pinDigits.clear();
        awaitReply();
    }

    void on(const FingerPlaced& finger) {
        if (state.phase != Phase::awaitingFinger) {
            ignore("finger: no finger asked for");
            return;
        }
        if (state.offline) {
            state.templateBox.clear();
            state.templateBox2.clear();
            offlineStep(offlineFinger(offlineContext(), state.offlineSession, finger.score,
                                      state.twoPerson));
            return;
        }
        auto out = newRequest(protocol::Factor::finger);
        out.step = protocol::FingerScored{std::clamp(finger.score.value_or(0), 0, 100)};
        state.templateBox.clear();
        state.templateBox2.clear();
        emit(SendRequest{std::move(out)});
        awaitReply();
    }

    void on(const ControllerReply& input) {
        const auto& reply = input.reply;
        // Only the controller holds the panel key: anything else on the reply topic is
        // injected, whatever it says.
        if (!input.authentic) {
            ignore("reply: bad MAC");
            return;
        }
        if (reply.auth.epoch != state.linkEpoch) {
            ignore("reply: stale epoch");
            return;
        }
        state.controllerSilent = false;  // it answers again: online from the next card
        if (reply.door != config.door) {
            ignore("reply: for another door");
            return;
        }
        if (state.phase == Phase::idle || reply.session != state.session) {
            ignore("reply: stale session");
            return;
        }
        // A captured reply replayed later answers an older counter.
        if (state.outstandingCounter == 0 || reply.auth.counter != state.outstandingCounter ||
            reply.step != state.outstandingStep) {
            ignore("reply: does not answer the outstanding request");
            return;
        }
        if (const auto* decision = std::get_if<protocol::Decision>(&reply.body)) {
            // A decision ends the session whatever the panel was waiting for: the controller
            // may deny early (its own time-out, a revocation).
            const std::string session = state.session;
            endSession();
            if (decision->granted) {
                emit(Display{Screen::granted, {}, 0});
                releaseLock(decision->unlockMs, session);
            } else {
                emit(Display{Screen::denied, decision->reason, 0});
            }
            return;
        }
        const auto& challenge = std::get<protocol::Challenge>(reply.body);
        if (state.phase != Phase::awaitingReply) {
            ignore("reply: challenge while collecting a factor");
            return;
        }
        state.deadlineMs = now + challenge.timeoutMs;
        state.challengeNonce = reply.auth.nonce;
        if (challenge.next == protocol::Factor::finger) {
            state.phase = Phase::awaitingFinger;
            state.templateBox = challenge.templateBox;
            state.templateBox2 = challenge.templateBox2;
            emit(Display{Screen::placeFinger, {}, 0});
        } else {
            state.phase = Phase::awaitingPin;
            state.pinDigits.clear();
            emit(Display{Screen::enterPin, {}, 0});
        }
    }

    void on(const LinkAnnounced& input) {
        if (!input.authentic) {
            ignore("link: bad MAC");
            return;
        }
        state.controllerSilent = false;  // the controller is there: online from the next card
        if (input.link.epoch == state.linkEpoch) {
            ignore("link: epoch unchanged");
            return;
        }
        state.linkEpoch = input.link.epoch;
        // A new epoch: the controller restarted and holds none of this panel's sessions.
        if (state.phase != Phase::idle && !state.offline) {
            deny(reason::controllerError);
        }
    }

    void on(const DoorPosition& position) {
        if (position.open == state.doorOpen) {
            ignore("door: position unchanged");
            return;
        }
        state.doorOpen = position.open;
        if (position.open) {
            state.openedAtMs = now;
            state.heldOpenReported = false;
            const bool exitWindow = state.exitUntilMs >= 0 && now < state.exitUntilMs;
            if (state.lockReleased && !state.grantSession.empty()) {
                state.openSession = state.grantSession;
                sendEvent(protocol::DoorEventKind::opened, state.openSession);
            } else if (state.lockReleased || exitWindow) {
                state.openSession.clear();
                sendEvent(protocol::DoorEventKind::opened);
            } else {
                state.openSession.clear();
                sendEvent(protocol::DoorEventKind::forced);
            }
            return;
        }
        sendEvent(protocol::DoorEventKind::closed, state.openSession);
        state.openSession.clear();
        // Re-lock on closing so nobody follows through on the same grant (a hold stays).
        if (!state.commands.holding) {
            relock();
        }
    }

    void on(const ExitRequest&) {
        sendEvent(protocol::DoorEventKind::exitRequested);
        state.exitUntilMs = now + config.exitWindowMs;
        if (!state.lockReleased || state.lockUntilMs < state.exitUntilMs) {
            releaseLock(config.exitWindowMs, {});
        }
    }

    void on(const TamperSwitch& tamper) {
        if (tamper.active == state.tamperActive) {
            ignore("tamper: unchanged");
            return;
        }
        state.tamperActive = tamper.active;
        sendEvent(tamper.active ? protocol::DoorEventKind::tamper
                                : protocol::DoorEventKind::tamperCleared);
    }

    void on(const Tick&) {}

    // firmware/panel_commands decides; the machine drives the lock and answers.
    void on(const ControllerCommand& input) {
        using protocol::CommandType;
        auto effect = applyCommand(config.door, state.commands, state.linkEpoch, input);
        if (!effect.ignored.empty()) {
            ignore(std::move(effect.ignored));
            return;
        }
        switch (input.command.type) {
            case CommandType::eventAck:
                emit(AckJournal{input.command.seq});  // answered by no ack
                return;
            case CommandType::cachePut:
            case CommandType::cacheRemove:
            case CommandType::cacheReset:
            case CommandType::cacheSync: {
                const auto applied = state.cache.apply(input.command, now);
                if (applied.changed) {
                    emit(CacheChanged{state.cache.encode()});
                }
                if (!applied.refused.empty()) {
                    effect.ack->result = protocol::AckResult::refused;
                    effect.ack->reason = applied.refused.substr(0, protocol::kMaxAckReasonChars);
                }
                break;
            }
            case CommandType::gateRearm:
                effect.ack->result = protocol::AckResult::refused;
                effect.ack->reason = "not a circle gate";
                break;
            default:
                break;
        }
        if (effect.lock == CommandEffect::Lock::release ||
            effect.lock == CommandEffect::Lock::hold) {
            releaseLock(effect.ms, {});
        } else if (effect.lock == CommandEffect::Lock::relock) {
            relock();
        }
        effect.ack->auth.epoch = state.linkEpoch;
        effect.ack->auth.counter = nextCounter();
        effect.ack->auth.nonce = input.command.auth.nonce;
        emit(SendAck{std::move(*effect.ack)});
    }

    void on(const LockFeedback& input) {
        if (auto kind = lockFeedback(state.commands, input)) {
            sendEvent(*kind);
            return;
        }
        ignore("lock: feedback unchanged");
    }

    void on(const LinkStatus& input) {
        if (input.connected == state.linkConnected) {
            ignore("link: status unchanged");
            return;
        }
        state.linkConnected = input.connected;
        // The request in flight will get no answer: the waiting person is decided offline now.
        if (!input.connected && state.phase == Phase::awaitingReply && !state.offline &&
            !state.sessionCard.empty() && canDecideOffline()) {
            controllerGone();
        }
    }

    void on(const WallClock& input) { state.wallOffsetMs = input.unixMs - now; }

    void on(const OfflinePinResult& input) {
        if (state.phase != Phase::checkingPin || !state.offline) {
            ignore("offline pin: no PIN being checked");
            return;
        }
        std::optional<std::string_view> hash;
        if (input.hash) {
            hash = *input.hash;
        }
        offlineStep(offlinePin(offlineContext(), state.offlineSession, hash, state.twoPerson));
    }

    void on(const CacheRestored& input) {
        if (auto why = state.cache.restore(input.bytes); !why.empty()) {
            ignore(std::move(why));
        }
    }

    void on(const JournalLevel& input) {
        // No room at all (capacity 0: a journal that did not open) is full too.
        state.journalFull = input.pending >= input.capacity;
    }

    void on(const ReaderHealth& input) {
        if (auto kind = readerHealth(state.commands, input)) {
            sendEvent(*kind);
            return;
        }
        ignore("reader: health unchanged");
    }
};

}  // namespace

StepResult step(const PanelConfig& config, PanelState state, const Input& input,
                std::int64_t nowMs) {
    Machine machine{config, std::move(state), nowMs, {}};
    machine.expire();
    std::visit([&](const auto& value) { machine.on(value); }, input);
    return StepResult{std::move(machine.state), std::move(machine.outputs)};
}

std::optional<std::int64_t> nextDeadline(const PanelConfig& config, const PanelState& state) {
    std::optional<std::int64_t> next;
    const auto consider = [&](std::int64_t at) { next = next ? std::min(*next, at) : at; };
    if (state.phase != Phase::idle) {
        consider(state.deadlineMs);
    }
    if (state.lockReleased) {
        consider(state.lockUntilMs);
    }
    if (state.doorOpen && !state.heldOpenReported) {
        consider(state.openedAtMs + config.heldOpenMs);
    }
    return next;
}

bool offlineMode(const PanelState& state) {
    return !state.linkConnected || state.controllerSilent || state.linkEpoch.empty();
}

std::string_view toString(Screen screen) {
    switch (screen) {
        case Screen::idle:
            return "idle";
        case Screen::checking:
            return "checking";
        case Screen::enterPin:
            return "enter_pin";
        case Screen::placeFinger:
            return "place_finger";
        case Screen::granted:
            return "granted";
        case Screen::denied:
            return "denied";
        case Screen::enterCode:
            return "enter_code";
    }
    return "";
}

std::string displayText(const Display& display) {
    switch (display.screen) {
        case Screen::idle:
            return "Present card";
        case Screen::checking:
            return "Please wait";
        case Screen::enterPin:
            return display.pinDigits == 0 ? "Enter PIN"
                                          : "Enter PIN " + std::string(display.pinDigits, '*');
        case Screen::placeFinger:
            return "Place finger";
        case Screen::granted:
            return "Access granted";
        case Screen::enterCode:
            return "Enter code " + std::string(display.pinDigits, '*');
        case Screen::denied:
            break;
    }
    // The words come from the one reason-code table; a code the table lacks is refused by
    // the parser before it gets here, so "refused" only covers a caller's bug.
    const protocol::ReasonCode* known = protocol::findReasonCode(display.reason);
    const std::string why = known == nullptr ? "refused" : std::string(known->panelText);
    return "Access denied: " + why;
}

}  // namespace sekimori::firmware
