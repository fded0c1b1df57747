#include "firmware/circle_gate.hpp"

#include <algorithm>

namespace sekimori::firmware::gate {

namespace {

namespace reason = protocol::reason;
using protocol::DoorEventKind;
using protocol::GateRefusal;

std::string cardIdOf(const CardRead& card) {
    const auto decoded = card.format.empty() ? protocol::decodeCard("", card.uid)
                                             : protocol::decodeCard(card.format, card.raw);
    return decoded ? decoded.value->id : std::string();
}

Leaf otherLeaf(Leaf leaf) {
    return leaf == Leaf::outer ? Leaf::inner : Leaf::outer;
}

// The phases in which the person is (or may be) inside the booth with both leaves shut or the far
// one open: a second body counted then is refused at once.
bool inBooth(Phase phase) {
    return phase == Phase::settling || phase == Phase::awaitingFinger ||
           phase == Phase::awaitingDecision || phase == Phase::openingFar;
}
// The phases the linger time-out (cycleDeadlineMs) governs.
bool lingerApplies(Phase phase) {
    return phase == Phase::settling || phase == Phase::awaitingFinger ||
           phase == Phase::openingFar || phase == Phase::awaitingExit;
}
// Before the entry leaf moved: a refusal now is a plain denial at the reader.
bool outside(Phase phase) {
    return phase == Phase::idle || phase == Phase::awaitingReply || phase == Phase::awaitingPin ||
           phase == Phase::checkingPin;
}
bool returning(Phase phase) {
    return phase == Phase::returnClosingFar || phase == Phase::returnOpening ||
           phase == Phase::returnAwaitingLeave || phase == Phase::returnClosing;
}

struct Machine {
    const GateConfig& config;
    GateState state;
    std::int64_t now;
    std::vector<Output> outputs;

    void emit(Output output) { outputs.push_back(std::move(output)); }
    void ignore(std::string why) { emit(Ignored{std::move(why)}); }

    // --- the cycle's geometry -----------------------------------------------------------------
    Leaf entryLeaf() const {
        return state.side == protocol::DoorSide::entry ? Leaf::outer : Leaf::inner;
    }
    Leaf farLeaf() const { return otherLeaf(entryLeaf()); }
    Reader entryReader() const {
        return state.side == protocol::DoorSide::entry ? Reader::outer : Reader::inner;
    }
    LeafState& leaf(Leaf which) { return which == Leaf::outer ? state.outer : state.inner; }
    const LeafState& leaf(Leaf which) const {
        return which == Leaf::outer ? state.outer : state.inner;
    }
    // Driven locked and reported closed: the only state in which the other leaf may open.
    bool shut(Leaf which) const { return !leaf(which).released && leaf(which).closed; }
    bool boothEmpty() const {
        return state.presence == 0 && state.weightG < config.objectThresholdG;
    }

    void show(Reader reader, Screen screen, std::string why = {}, int digits = 0) {
        emit(Display{reader, screen, std::move(why), digits});
    }

    // --- outputs ------------------------------------------------------------------------------
    // `force`: said even when unchanged (a power loss states both leaves).
    void drive(Leaf which, bool released, bool force = false) {
        auto& l = leaf(which);
        if (l.released == released && !force) {
            return;
        }
        l.released = released;
        emit(DriveLeaf{which, released});
    }
    // The interlock: a leaf is released only while the other is shut.
    bool release(Leaf which) {
        if (!shut(otherLeaf(which))) {
            ignore(std::string("interlock: the ")
                       .append(toString(otherLeaf(which)))
                       .append(" leaf is not shut"));
            return false;
        }
        drive(which, true);
        return true;
    }

    std::uint64_t nextCounter() {
        state.counter = std::max(state.counter + 1, config.firstCounter);
        return state.counter;
    }

    protocol::PanelEvent gateEvent(DoorEventKind kind) {
        protocol::PanelEvent event;
        event.door = config.gate;
        event.kind = kind;
        event.presence = std::clamp(state.presence, 0, 9);
        event.weightG = std::clamp(state.weightG, 0, protocol::kMaxWeightG);
        event.occurredUs = std::clamp<std::int64_t>(
            (now + state.wallOffsetMs) * 1000, 0, static_cast<std::int64_t>(protocol::kMaxCounter));
        return event;
    }
    void send(protocol::PanelEvent event) {
        event.counter = nextCounter();
        emit(SendEvent{std::move(event)});
    }
    void sendGate(DoorEventKind kind, std::optional<Leaf> which = std::nullopt) {
        auto event = gateEvent(kind);
        if (which) {
            event.leaf = std::string(toString(*which));
        }
        send(std::move(event));
    }
    void sendCycle(DoorEventKind kind, std::optional<GateRefusal> refusal = std::nullopt,
                   std::optional<Leaf> which = std::nullopt) {
        auto event = gateEvent(kind);
        event.session = state.session;
        event.side = state.side;
        event.refusal = refusal;
        if (which) {
            event.leaf = std::string(toString(*which));
        }
        send(std::move(event));
    }
    void reportStuck(Leaf which) {
        auto& l = leaf(which);
        if (!l.stuckReported) {
            l.stuckReported = true;
            sendGate(DoorEventKind::gateDoorStuck, which);
        }
    }

    protocol::PanelRequest newRequest(protocol::Factor step) {
        protocol::PanelRequest out;
        out.session = state.session;
        out.door = config.gate;
        out.side = state.side;
        out.auth.epoch = state.linkEpoch;
        out.auth.counter = nextCounter();
        if (step != protocol::Factor::card) {
            out.auth.nonce = state.challengeNonce;
        }
        state.outstandingCounter = out.auth.counter;
        state.outstandingStep = step;
        return out;
    }

    // --- offline decisions (firmware/offline_cache; docs/circle-gates.md, "Offline") ----------
    OfflineContext offlineContext() const {
        OfflineClock clock;
        clock.nowMs = now;
        if (state.wallClockKnown) {
            clock.unixMs = now + state.wallOffsetMs;
        }
        clock.utcOffsetMinutes = config.utcOffsetMinutes;
        return OfflineContext{state.cache, state.commands.denied, clock, state.journalFull};
    }
    bool canDecideOffline() const { return firmware::canDecideOffline(offlineContext()); }
    // Link down, controller silent, or no epoch yet: a card is decided from the cache.
    bool offlineMode() const {
        return !state.linkConnected || state.controllerSilent || state.linkEpoch.empty();
    }

    void offlineEvent(const OfflineStep& step) {
        protocol::PanelEvent event;
        event.door = config.gate;
        event.kind = step.outcome == OfflineOutcome::granted ? DoorEventKind::offlineGranted
                                                             : DoorEventKind::offlineDenied;
        event.session = state.session;
        event.side = step.session.side;
        event.card = step.session.card;
        event.person = step.session.person;
        event.reason = step.reason;
        event.degraded = step.session.degraded;
        event.occurredUs = gateEvent(event.kind).occurredUs;
        send(std::move(event));
    }

    // Carries out one offline step where the cycle stands: outside, the next factor is asked or
    // the entry leaf opens (the finger is taken in the booth); in the booth, the finger decides
    // and a refusal lets the person back out.
    void offlineStep(OfflineStep step) {
        state.offline = true;
        state.outstandingCounter = 0;  // nothing the controller says answers this cycle now
        const bool atReader = outside(state.phase);
        switch (step.outcome) {
            case OfflineOutcome::askPin:
                if (!atReader) {
                    // The keypad is outside: a PIN after the finger cannot be taken in the booth.
                    step.outcome = OfflineOutcome::denied;
                    step.reason = std::string(reason::factorOutOfOrder);
                    offlineStep(std::move(step));
                    return;
                }
                state.offlineSession = std::move(step.session);
                state.pinDigits.clear();
                setPhase(Phase::awaitingPin, now + kOfflineFactorTimeoutMs);
                show(entryReader(), Screen::enterPin);
                return;
            case OfflineOutcome::askFinger:
                state.offlineSession = std::move(step.session);
                state.templateBox = std::move(step.templateBox);
                state.templateBox2 = std::move(step.templateBox2);
                if (atReader) {
                    startCycle();
                } else if (state.phase == Phase::awaitingDecision && state.fingerScore) {
                    // The finger was given and went to a controller that is gone: it decides.
                    offlineStep(offlineFinger(offlineContext(), state.offlineSession,
                                              state.fingerScore, state.twoPerson));
                } else if (state.phase == Phase::awaitingFinger ||
                           state.phase == Phase::awaitingDecision) {
                    setPhase(Phase::awaitingFinger, kNever);
                    show(Reader::booth, Screen::placeFinger);
                }
                // Otherwise the person is still stepping in: the settled checks ask for it.
                return;
            case OfflineOutcome::granted:
                offlineEvent(step);
                state.decided = true;
                state.grantedWeightG = step.weightG;
                if (atReader) {
                    startCycle();
                } else if (state.phase == Phase::awaitingFinger ||
                           state.phase == Phase::awaitingDecision) {
                    afterChecks(true);
                }
                return;
            case OfflineOutcome::denied:
                if (!step.session.card.empty()) {
                    offlineEvent(step);
                }
                if (atReader) {
                    deny(step.reason);
                } else {
                    refuse(GateRefusal::denied);
                }
                return;
        }
    }
    void decideOffline() {
        offlineStep(offlineCard(offlineContext(), state.side, state.sessionCard, state.twoPerson));
    }
    // The person is in the cycle the controller was deciding: the card and PIN it accepted stand,
    // the cache checks the card again and takes the finger.
    void resumeOffline() {
        const std::vector<protocol::Factor> verified{protocol::Factor::card, protocol::Factor::pin};
        offlineStep(offlineResume(offlineContext(), state.side, state.sessionCard, verified,
                                  state.twoPerson));
    }

    // --- sessions and cycles ------------------------------------------------------------------
    void clearFactors() {
        state.pinDigits.clear();
        state.templateBox.clear();
        state.templateBox2.clear();
        state.challengeNonce.clear();
        state.outstandingCounter = 0;
    }
    void endSession() {
        clearFactors();
        state.phase = Phase::idle;
        state.session.clear();
        state.phaseDeadlineMs = 0;
        state.cycleDeadlineMs = 0;
        state.freeExitCycle = false;
        state.decided = false;
        state.grantedWeightG = 0;
        state.entriesCounted = 0;
        state.farCrossed = false;
        state.refusal.reset();
        state.offline = false;
        state.offlineSession = OfflineSession{};
        state.sessionCard.clear();
        state.factorsVerified = false;
        state.fingerScore.reset();
        checkObject();
    }
    void startSession(protocol::DoorSide side) {
        state.sessionCounter += 1;
        endSession();
        state.side = side;
        state.session = config.sessionPrefix + "-" + std::to_string(state.sessionCounter);
    }
    // Outside, before any leaf moved: no cycle to undo.
    void deny(std::string_view code) {
        const Reader reader = entryReader();
        endSession();
        show(reader, Screen::denied, std::string(code));
    }
    void setPhase(Phase phase, std::int64_t deadline) {
        state.phase = phase;
        state.phaseDeadlineMs = deadline;
    }

    // Why the gate cannot start a cycle now; empty: it can.
    std::string busyReason() const {
        if (state.fireReleased) {
            return "gate: released for fire";
        }
        if (state.powerLost) {
            return "gate: power lost";
        }
        if (state.phase != Phase::idle) {
            return "gate: a cycle is running";
        }
        if (!shut(Leaf::outer) || !shut(Leaf::inner)) {
            return "gate: a leaf is not shut";
        }
        if (!boothEmpty()) {
            return "gate: the booth is not empty";
        }
        return {};
    }
    Screen busyScreen() const {
        if (state.fireReleased) {
            return Screen::fireRelease;
        }
        return state.powerLost ? Screen::outOfService : Screen::busy;
    }

    // The entry leaf opens for a person granted (or challenged for the finger, taken inside).
    void startCycle() {
        if (!shut(Leaf::outer) || !shut(Leaf::inner) || !boothEmpty()) {
            const Reader reader = entryReader();
            endSession();
            show(reader, Screen::busy);
            return;
        }
        state.entriesCounted = 0;
        state.farCrossed = false;
        clearFactorsKeepingChallenge();
        release(entryLeaf());
        sendCycle(DoorEventKind::cycleStarted);
        setPhase(Phase::openingEntry, now + config.leafMoveMs);
        show(entryReader(), Screen::enter);
    }
    void clearFactorsKeepingChallenge() {
        state.pinDigits.clear();
        state.outstandingCounter = 0;
    }

    // The checks with both leaves shut: one body, and a weight the person can be. `withRange`
    // once the granted weight is known.
    std::optional<GateRefusal> checks(bool withRange) const {
        if (state.entriesCounted > 1) {
            return GateRefusal::tailgate;
        }
        if (state.presence > 1) {
            return GateRefusal::twoBodies;
        }
        if (state.presence == 0) {
            return GateRefusal::returned;
        }
        if (state.weightG > config.maxWeightG) {
            return GateRefusal::piggyback;
        }
        if (withRange && state.grantedWeightG > 0) {
            const std::int64_t granted = state.grantedWeightG;
            const std::int64_t slack = granted * config.weightTolerancePct / 100;
            if (state.weightG > granted + slack) {
                return GateRefusal::piggyback;
            }
            if (state.weightG < granted - slack) {
                return GateRefusal::underweight;
            }
        }
        return std::nullopt;
    }

    void openFar() {
        if (!release(farLeaf())) {
            refuse(GateRefusal::doorStuck, entryLeaf());
            return;
        }
        setPhase(Phase::openingFar, now + config.leafMoveMs);
        show(Reader::booth, Screen::proceed);
    }

    void afterChecks(bool withRange) {
        if (auto refusal = checks(withRange)) {
            refuse(*refusal);
            return;
        }
        if (state.decided) {
            openFar();
            return;
        }
        setPhase(Phase::awaitingFinger, kNever);
        show(Reader::booth, Screen::placeFinger);
    }

    // A refused cycle: reported at once with the readings, then undone: the far leaf stays (or is
    // driven) shut and the person goes back out by the entry leaf.
    void refuse(GateRefusal refusal, std::optional<Leaf> which = std::nullopt) {
        sendCycle(DoorEventKind::cycleRefused, refusal, which);
        state.refusal = refusal;
        clearFactors();
        const std::string why(protocol::toString(refusal));
        show(Reader::booth, Screen::refused, why);
        show(entryReader(), Screen::refused, why);
        state.cycleDeadlineMs = 0;
        if (state.phase == Phase::openingEntry && leaf(entryLeaf()).closed) {
            // The entry leaf never opened: nobody came in, nothing to undo but the drive.
            drive(entryLeaf(), false);
            endSession();
            return;
        }
        returnOut();
    }
    void returnOut() {
        drive(farLeaf(), false);
        if (!leaf(farLeaf()).closed) {
            setPhase(Phase::returnClosingFar, now + config.leafMoveMs);
            return;
        }
        if (leaf(entryLeaf()).released || !leaf(entryLeaf()).closed) {
            // Still (or stuck) open: the way back is there.
            drive(entryLeaf(), true);
            awaitLeaving();
            return;
        }
        release(entryLeaf());
        setPhase(Phase::returnOpening, now + config.leafMoveMs);
    }
    void awaitLeaving() {
        state.phase = Phase::returnAwaitingLeave;
        state.phaseDeadlineMs = state.presence == 0 ? now + config.closeDelayMs : kNever;
    }

    void complete() {
        sendCycle(DoorEventKind::cycleCompleted);
        const Reader reader = entryReader();
        endSession();
        show(reader, Screen::idle);
        show(Reader::booth, Screen::idle);
    }
    void endReturn() {
        const Reader reader = entryReader();
        endSession();
        show(reader, Screen::idle);
        show(Reader::booth, Screen::idle);
    }

    // Weight on the plate with nobody in the booth, the gate idle, for settleMs: an object left.
    void checkObject() {
        const bool object = state.phase == Phase::idle && !state.fireReleased && !state.powerLost &&
                            state.presence == 0 && state.weightG >= config.objectThresholdG;
        if (!object) {
            state.objectSinceMs = -1;
            state.objectReported = false;
            return;
        }
        if (state.objectSinceMs < 0) {
            state.objectSinceMs = now;
        }
    }

    // --- time -----------------------------------------------------------------------------------
    void expire() {
        if (state.phase == Phase::idle && state.objectSinceMs >= 0 && !state.objectReported &&
            now >= state.objectSinceMs + config.settleMs) {
            state.objectReported = true;
            sendGate(DoorEventKind::gateObjectLeft);
        }
        if (lingerApplies(state.phase) && state.cycleDeadlineMs > 0 &&
            now >= state.cycleDeadlineMs && !state.farCrossed) {
            refuse(GateRefusal::linger);
            return;
        }
        if (state.phase == Phase::idle || now < state.phaseDeadlineMs) {
            return;
        }
        switch (state.phase) {
            case Phase::awaitingReply:
                // No reply at all: the controller is silent until it answers or announces its
                // link; the waiting person is decided offline now (when the cache can).
                state.controllerSilent = true;
                controllerGone(false);
                break;
            case Phase::awaitingPin:
            case Phase::checkingPin:
                if (state.offline) {
                    OfflineStep step;  // no PIN in time: decided (timeout)
                    step.reason = std::string(reason::timeout);
                    step.session = state.offlineSession;
                    offlineEvent(step);
                }
                deny(reason::timeout);
                break;
            case Phase::openingEntry:
                reportStuck(entryLeaf());
                refuse(GateRefusal::doorStuck, entryLeaf());
                break;
            case Phase::awaitingEntry:
                if (state.entriesCounted == 0) {
                    refuse(GateRefusal::returned);  // nobody came in
                } else {
                    drive(entryLeaf(), false);
                    setPhase(Phase::closingEntry, now + config.leafMoveMs);
                }
                break;
            case Phase::closingEntry:
                reportStuck(entryLeaf());
                refuse(GateRefusal::doorStuck, entryLeaf());
                break;
            case Phase::settling:
                afterChecks(state.decided);
                break;
            case Phase::awaitingDecision:
                state.controllerSilent = true;
                controllerGone(false);
                break;
            case Phase::openingFar:
                reportStuck(farLeaf());
                refuse(GateRefusal::doorStuck, farLeaf());
                break;
            case Phase::awaitingExit:
                drive(farLeaf(), false);  // the person crossed; the delay is over
                setPhase(Phase::closingFar, now + config.leafMoveMs);
                break;
            case Phase::closingFar:
                // The person is through; the leaf is not shut: reported, and no cycle starts
                // until it is.
                reportStuck(farLeaf());
                complete();
                break;
            case Phase::returnClosingFar:
                reportStuck(farLeaf());  // the person waits inside until it shuts
                state.phaseDeadlineMs = kNever;
                break;
            case Phase::returnOpening:
                reportStuck(entryLeaf());
                state.phaseDeadlineMs = kNever;
                break;
            case Phase::returnAwaitingLeave:
                drive(entryLeaf(), false);
                setPhase(Phase::returnClosing, now + config.leafMoveMs);
                break;
            case Phase::returnClosing:
                reportStuck(entryLeaf());
                endReturn();
                break;
            case Phase::awaitingFinger:
            case Phase::idle:
                break;
        }
    }

    // --- readers
    // ----------------------------------------------------------------------------------
    void on(const CardRead& card) {
        if (card.reader == Reader::booth) {
            ignore("card: the booth reader takes fingers");
            return;
        }
        const auto side =
            card.reader == Reader::outer ? protocol::DoorSide::entry : protocol::DoorSide::exit;
        // A new card at the reader of a session still outside starts over, as at a door.
        const bool restart =
            (state.phase == Phase::awaitingReply || state.phase == Phase::awaitingPin) &&
            card.reader == entryReader();
        if (!restart) {
            if (auto why = busyReason(); !why.empty()) {
                show(card.reader, busyScreen());
                ignore(std::move(why));
                return;
            }
        }
        startSession(side);
        state.sessionCard = cardIdOf(card);
        if (offlineMode() && canDecideOffline()) {
            decideOffline();  // the deny list, then the cache
            return;
        }
        if (state.commands.denied.contains(state.sessionCard)) {
            deny(reason::revoked);
            return;
        }
        if (state.linkEpoch.empty() || !state.linkConnected) {
            deny(reason::controllerError);
            return;
        }
        auto out = newRequest(protocol::Factor::card);
        out.step = protocol::CardPresented{card.uid, card.format, card.raw};
        emit(SendRequest{std::move(out)});
        awaitReply();
    }
    void awaitReply() {
        setPhase(Phase::awaitingReply, now + config.replyTimeoutMs);
        show(entryReader(), Screen::checking);
    }

    void on(const KeypadDigit& key) {
        if (state.phase != Phase::awaitingPin || key.reader != entryReader()) {
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
        show(entryReader(), Screen::enterPin, {}, static_cast<int>(state.pinDigits.size()));
    }

    void on(const KeypadEnter& key) {
        if (state.phase != Phase::awaitingPin || key.reader != entryReader()) {
            ignore("keypad: no PIN asked for");
            return;
        }
        if (state.pinDigits.empty()) {
            ignore("keypad: no digits");
            return;
        }
        if (state.offline) {
            // The HAL hashes it for the cache's pin_hash; the clear digits go nowhere else.
            emit(VerifyOfflinePin{state.offlineSession.person, state.pinDigits});
            state.pinDigits.clear();
            setPhase(Phase::checkingPin, now + config.replyTimeoutMs);
            show(entryReader(), Screen::checking);
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
        state.templateBox.clear();
        state.templateBox2.clear();
        if (state.offline) {
            offlineStep(offlineFinger(offlineContext(), state.offlineSession, finger.score,
                                      state.twoPerson));
            return;
        }
        state.fingerScore = std::clamp(finger.score.value_or(0), 0, 100);
        auto out = newRequest(protocol::Factor::finger);
        out.step = protocol::FingerScored{*state.fingerScore};
        emit(SendRequest{std::move(out)});
        setPhase(Phase::awaitingDecision, now + config.replyTimeoutMs);
        show(Reader::booth, Screen::checking);
    }

    // --- the controller -------------------------------------------------------------------------
    void on(const ControllerReply& input) {
        const auto& reply = input.reply;
        if (!input.authentic) {
            ignore("reply: bad MAC");
            return;
        }
        if (reply.auth.epoch != state.linkEpoch) {
            ignore("reply: stale epoch");
            return;
        }
        state.controllerSilent = false;  // it answers again: online from the next card
        if (reply.door != config.gate) {
            ignore("reply: for another door");
            return;
        }
        if (state.phase == Phase::idle || reply.session != state.session) {
            ignore("reply: stale session");
            return;
        }
        if (state.outstandingCounter == 0 || reply.auth.counter != state.outstandingCounter ||
            reply.step != state.outstandingStep) {
            ignore("reply: does not answer the outstanding request");
            return;
        }
        state.outstandingCounter = 0;
        if (const auto* decision = std::get_if<protocol::Decision>(&reply.body)) {
            onDecision(*decision);
            return;
        }
        const auto& challenge = std::get<protocol::Challenge>(reply.body);
        if (state.phase != Phase::awaitingReply) {
            ignore("reply: challenge while collecting a factor");
            return;
        }
        state.challengeNonce = reply.auth.nonce;
        if (challenge.next == protocol::Factor::finger) {
            state.factorsVerified = true;
            // The finger is taken inside the booth: the entry leaf opens now.
            state.templateBox = challenge.templateBox;
            state.templateBox2 = challenge.templateBox2;
            startCycle();
            return;
        }
        setPhase(Phase::awaitingPin, now + challenge.timeoutMs);
        state.pinDigits.clear();
        show(entryReader(), Screen::enterPin);
    }

    void onDecision(const protocol::Decision& decision) {
        if (state.phase == Phase::awaitingReply) {
            if (!decision.granted) {
                deny(decision.reason);
                return;
            }
            // The factors ended before the finger: checked in the booth before the far leaf.
            state.decided = true;
            state.grantedWeightG = decision.weightG;
            startCycle();
            return;
        }
        if (state.phase == Phase::awaitingDecision) {
            if (!decision.granted) {
                refuse(GateRefusal::denied);
                return;
            }
            state.decided = true;
            state.grantedWeightG = decision.weightG;
            afterChecks(true);
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
        controllerGone(true);
    }
    // The controller restarted (`reachable`: it announced a new epoch) or is unreachable: it
    // holds none of this gate's sessions. A cycle already decided from the cache goes on.
    void controllerGone(bool reachable) {
        if (state.offline || state.phase == Phase::idle) {
            return;
        }
        const bool canOffline = !state.sessionCard.empty() && canDecideOffline();
        if (outside(state.phase)) {
            // Still at the reader: unreachable, decided offline from the card; restarted, the
            // person presents the card again to the controller that is back.
            if (!reachable && canOffline) {
                decideOffline();
                return;
            }
            deny(reason::controllerError);
            return;
        }
        // A cycle still waiting for the inside decision: the cache takes it when it can, else
        // the person goes back.
        const bool needsDecision =
            !state.decided && !returning(state.phase) && state.refusal == std::nullopt;
        if (!needsDecision) {
            return;
        }
        if (canOffline && state.factorsVerified) {
            resumeOffline();
            return;
        }
        refuse(GateRefusal::controllerLost);
    }
    void on(const LinkStatus& input) {
        if (input.connected == state.linkConnected) {
            ignore("link: status unchanged");
            return;
        }
        state.linkConnected = input.connected;
        if (!input.connected) {
            controllerGone(false);
        }
    }

    void on(const ControllerCommand& input) {
        using protocol::CommandType;
        auto effect = applyCommand(config.gate, state.commands, state.linkEpoch, input);
        if (!effect.ignored.empty()) {
            ignore(std::move(effect.ignored));
            return;
        }
        const auto& command = input.command;
        auto& ack = *effect.ack;
        const auto refuseAck = [&](std::string why) {
            ack.result = protocol::AckResult::refused;
            ack.reason = std::move(why);
        };
        switch (command.type) {
            case CommandType::eventAck:
                emit(AckJournal{command.seq});  // answered by no ack
                return;
            case CommandType::unlock:
            case CommandType::holdUnlocked:
                if (ack.result == protocol::AckResult::done) {
                    refuseAck("circle gate: leaves open only in a cycle");
                }
                break;
            case CommandType::gateRearm:
                if (command.door != config.gate) {
                    refuseAck("not this panel's door");
                } else if (state.fireActive) {
                    refuseAck("fire input still active");
                } else {
                    rearm();
                }
                break;
            case CommandType::cachePut:
            case CommandType::cacheRemove:
            case CommandType::cacheReset:
            case CommandType::cacheSync: {
                const auto applied = state.cache.apply(command, now);
                if (applied.changed) {
                    emit(CacheChanged{state.cache.encode()});
                }
                if (!applied.refused.empty()) {
                    refuseAck(applied.refused.substr(0, protocol::kMaxAckReasonChars));
                }
                break;
            }
            default:  // lock (the gate is locked whenever idle), revoke, restore: applied
                break;
        }
        ack.auth.epoch = state.linkEpoch;
        ack.auth.counter = nextCounter();
        ack.auth.nonce = command.auth.nonce;
        emit(SendAck{std::move(ack)});
    }

    // --- the booth's sensors
    // ------------------------------------------------------------------------
    void on(const LeafPosition& input) {
        auto& l = leaf(input.leaf);
        if (input.closed == l.closed) {
            ignore("leaf: position unchanged");
            return;
        }
        l.closed = input.closed;
        if (l.closed != l.released) {
            l.stuckReported = false;  // it reached where it is driven
        }
        if (!input.closed && !l.released && !state.fireReleased && !state.powerLost) {
            // Opened while driven locked: forced. The other leaf must not stay released.
            protocol::PanelEvent forced;
            forced.door = config.gate;
            forced.kind = DoorEventKind::forced;
            forced.occurredUs = gateEvent(DoorEventKind::forced).occurredUs;
            send(std::move(forced));
            if (leaf(otherLeaf(input.leaf)).released) {
                drive(otherLeaf(input.leaf), false);
            }
        }
        if (state.fireReleased || state.powerLost || state.phase == Phase::idle) {
            checkObject();
            return;
        }
        const bool entry = input.leaf == entryLeaf();
        switch (state.phase) {
            case Phase::openingEntry:
                if (entry && !input.closed) {
                    setPhase(Phase::awaitingEntry, now + config.enterMs);
                }
                break;
            case Phase::closingEntry:
                if (entry && input.closed) {
                    setPhase(Phase::settling, now + config.settleMs);
                    state.cycleDeadlineMs = now + config.cycleTimeoutMs;
                    show(entryReader(), Screen::busy);
                    show(Reader::booth, Screen::checking);
                }
                break;
            case Phase::openingFar:
                if (!entry && !input.closed) {
                    setPhase(Phase::awaitingExit, state.cycleDeadlineMs);
                }
                break;
            case Phase::closingFar:
                if (!entry && input.closed) {
                    complete();
                }
                break;
            case Phase::returnClosingFar:
                if (!entry && input.closed) {
                    returnOut();
                }
                break;
            case Phase::returnOpening:
                if (entry && !input.closed) {
                    awaitLeaving();
                }
                break;
            case Phase::returnClosing:
                if (entry && input.closed) {
                    endReturn();
                }
                break;
            default:
                break;
        }
    }

    void on(const BodyCrossed& input) {
        if (leaf(input.leaf).closed) {
            ignore("crossing: the leaf is shut");
            return;
        }
        const bool entry = input.leaf == entryLeaf();
        if (entry && (state.phase == Phase::awaitingEntry || state.phase == Phase::closingEntry)) {
            if (input.inward) {
                state.entriesCounted += 1;
                if (state.entriesCounted > 1) {
                    refuse(GateRefusal::tailgate);
                    return;
                }
                if (state.phase == Phase::awaitingEntry) {
                    state.phaseDeadlineMs = now + config.closeDelayMs;
                }
                return;
            }
            state.entriesCounted = std::max(0, state.entriesCounted - 1);
            if (state.entriesCounted == 0) {
                refuse(GateRefusal::returned);  // turned back
            }
            return;
        }
        if (!entry && state.phase == Phase::awaitingExit && !input.inward && !state.farCrossed) {
            state.farCrossed = true;
            state.phaseDeadlineMs = now + config.closeDelayMs;
            return;
        }
        ignore("crossing: not part of the cycle");
    }

    void on(const Presence& input) {
        state.presence = std::clamp(input.count, 0, 9);
        if (inBooth(state.phase) && state.presence > 1) {
            refuse(GateRefusal::twoBodies);
            return;
        }
        if (state.phase == Phase::returnAwaitingLeave) {
            state.phaseDeadlineMs = state.presence == 0 ? now + config.closeDelayMs : kNever;
        }
        checkObject();
    }

    void on(const Weight& input) {
        state.weightG = std::clamp(input.grams, 0, protocol::kMaxWeightG);
        checkObject();
    }

    void on(const ReturnButton&) {
        const bool inside = state.phase == Phase::awaitingEntry ||
                            state.phase == Phase::closingEntry || inBooth(state.phase) ||
                            (state.phase == Phase::awaitingExit && !state.farCrossed);
        if (!inside) {
            ignore("return: no cycle to give up");
            return;
        }
        refuse(GateRefusal::returned);
    }

    void on(const ExitRequest&) {
        if (!config.freeExit) {
            ignore("exit: this gate has no free exit");
            return;
        }
        if (auto why = busyReason(); !why.empty()) {
            show(Reader::inner, busyScreen());
            ignore(std::move(why));
            return;
        }
        startSession(protocol::DoorSide::exit);
        state.freeExitCycle = true;
        state.decided = true;
        startCycle();
    }

    // --- fire, power, re-arm
    // ------------------------------------------------------------------------
    void abortCycle() {
        if (state.phase != Phase::idle) {
            endSession();
        }
    }
    void showAll(Screen screen) {
        show(Reader::outer, screen);
        show(Reader::inner, screen);
        show(Reader::booth, screen);
    }

    void on(const FireInput& input) {
        if (input.active == state.fireActive) {
            ignore("fire: unchanged");
            return;
        }
        state.fireActive = input.active;
        if (!input.active) {
            sendGate(DoorEventKind::gateFireCleared);
            showAll(Screen::outOfService);  // released until a guard re-arms
            return;
        }
        if (state.fireReleased) {
            ignore("fire: already released");
            return;
        }
        abortCycle();
        state.fireReleased = true;
        checkObject();
        drive(Leaf::outer, true);  // both at once: the one exception to the interlock
        drive(Leaf::inner, true);
        sendGate(DoorEventKind::gateFireReleased);
        showAll(Screen::fireRelease);
    }

    void rearm() {
        if (state.fireReleased) {
            state.fireReleased = false;
            if (!state.powerLost) {
                drive(Leaf::outer, false);
                drive(Leaf::inner, false);
            }
        }
        sendGate(DoorEventKind::gateRearmed);
        showAll(state.powerLost ? Screen::outOfService : Screen::idle);
        checkObject();
    }
    void on(const RearmKey&) {
        if (state.fireActive) {
            ignore("rearm: fire input still active");
            return;
        }
        rearm();
    }

    void on(const PowerInput& input) {
        if (input.on != state.powerLost) {
            ignore("power: unchanged");
            return;
        }
        state.powerLost = !input.on;
        if (state.powerLost) {
            abortCycle();
            checkObject();
            drive(Leaf::outer, config.outerFailSafe, true);
            drive(Leaf::inner, config.innerFailSafe, true);
            sendGate(DoorEventKind::gatePowerLost);
            showAll(Screen::outOfService);
            return;
        }
        // Back: locked (shutting a leaf is always safe), or still released for fire.
        drive(Leaf::outer, state.fireReleased);
        drive(Leaf::inner, state.fireReleased);
        sendGate(DoorEventKind::gatePowerRestored);
        showAll(state.fireReleased ? Screen::fireRelease : Screen::idle);
        checkObject();
    }

    void on(const WallClock& input) {
        state.wallOffsetMs = input.unixMs - now;
        state.wallClockKnown = true;
    }
    void on(const Tick&) {}

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
        state.journalFull = input.pending >= input.capacity;  // capacity 0 (not open) too
    }
};

}  // namespace

StepResult step(const GateConfig& config, GateState state, const Input& input, std::int64_t nowMs) {
    Machine machine{config, std::move(state), nowMs, {}};
    // A leaf's position is the hardware as of nowMs: a deadline due now must see it (a leaf that
    // opened just as its time ran out is not stuck, and no output may rely on where it was).
    // Everything else arrives after whatever expired.
    const bool sensor = std::holds_alternative<LeafPosition>(input);
    if (!sensor) {
        machine.expire();
    }
    std::visit([&](const auto& value) { machine.on(value); }, input);
    if (sensor) {
        machine.expire();
    }
    return StepResult{std::move(machine.state), std::move(machine.outputs)};
}

std::optional<std::int64_t> nextDeadline(const GateConfig& config, const GateState& state) {
    std::optional<std::int64_t> next;
    const auto consider = [&](std::int64_t at) { next = next ? std::min(*next, at) : at; };
    if (state.phase != Phase::idle && state.phase != Phase::awaitingFinger &&
        state.phaseDeadlineMs != kNever) {
        consider(state.phaseDeadlineMs);
    }
    if (lingerApplies(state.phase) && state.cycleDeadlineMs > 0 && !state.farCrossed) {
        consider(state.cycleDeadlineMs);
    }
    if (state.phase == Phase::idle && state.objectSinceMs >= 0 && !state.objectReported) {
        consider(state.objectSinceMs + config.settleMs);
    }
    return next;
}

std::string_view toString(Leaf leaf) {
    return leaf == Leaf::outer ? "outer" : "inner";
}

std::string_view toString(Reader reader) {
    switch (reader) {
        case Reader::outer:
            return "outer";
        case Reader::inner:
            return "inner";
        case Reader::booth:
            return "booth";
    }
    return "";
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
        case Screen::enter:
            return "enter";
        case Screen::proceed:
            return "proceed";
        case Screen::denied:
            return "denied";
        case Screen::refused:
            return "refused";
        case Screen::busy:
            return "busy";
        case Screen::fireRelease:
            return "fire_release";
        case Screen::outOfService:
            return "out_of_service";
    }
    return "";
}

std::string_view toString(Phase phase) {
    switch (phase) {
        case Phase::idle:
            return "idle";
        case Phase::awaitingReply:
            return "awaiting_reply";
        case Phase::awaitingPin:
            return "awaiting_pin";
        case Phase::checkingPin:
            return "checking_pin";
        case Phase::openingEntry:
            return "opening_entry";
        case Phase::awaitingEntry:
            return "awaiting_entry";
        case Phase::closingEntry:
            return "closing_entry";
        case Phase::settling:
            return "settling";
        case Phase::awaitingFinger:
            return "awaiting_finger";
        case Phase::awaitingDecision:
            return "awaiting_decision";
        case Phase::openingFar:
            return "opening_far";
        case Phase::awaitingExit:
            return "awaiting_exit";
        case Phase::closingFar:
            return "closing_far";
        case Phase::returnClosingFar:
            return "return_closing_far";
        case Phase::returnOpening:
            return "return_opening";
        case Phase::returnAwaitingLeave:
            return "return_awaiting_leave";
        case Phase::returnClosing:
            return "return_closing";
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
        case Screen::enter:
            return "Please enter";
        case Screen::proceed:
            return "Please proceed";
        case Screen::refused:
            return "Please go back";
        case Screen::busy:
            return "Gate in use";
        case Screen::fireRelease:
            return "Fire: gate released";
        case Screen::outOfService:
            return "Out of service";
        case Screen::denied:
            break;
    }
    const protocol::ReasonCode* known = protocol::findReasonCode(display.reason);
    const std::string why = known == nullptr ? "refused" : std::string(known->panelText);
    return "Access denied: " + why;
}

}  // namespace sekimori::firmware::gate
