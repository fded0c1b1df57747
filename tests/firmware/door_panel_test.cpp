#include "firmware/door_panel.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sekimori::firmware {
namespace {

using protocol::Challenge;
using protocol::Decision;
using protocol::Factor;
using protocol::PanelReply;

const std::string kTemplateBox = std::string(136, 'B') + "BBA=";
const std::string kEpoch = std::string(32, 'e');
const std::string kOldEpoch = std::string(32, 'd');
// Marks a reply the genuine controller sends: runTable fills in the current epoch and the
// outstanding request's counter and step, as the controller would.
const std::string kGenuine = "genuine";

PanelConfig config() {
    PanelConfig c;
    c.site = "s1";
    c.panel = "p1";
    c.door = "server-room";
    c.side = protocol::DoorSide::entry;
    c.sessionPrefix = "b00t";
    c.replyTimeoutMs = 5000;
    c.heldOpenMs = 30000;
    c.exitWindowMs = 5000;
    return c;
}

// One line per output, so a table row states exactly what the panel does.
std::string describe(const Output& output) {
    if (const auto* send = std::get_if<SendRequest>(&output)) {
        const auto& r = send->request;
        std::string text = "request " + r.session + " ";
        if (const auto* card = std::get_if<protocol::CardPresented>(&r.step)) {
            return card->format.empty() ? text + "card " + card->cardUid
                                        : text + "card " + card->format + " " + card->raw;
        }
        if (const auto* finger = std::get_if<protocol::FingerScored>(&r.step)) {
            return text + "finger " + std::to_string(finger->score);
        }
        return text + "pin_box " + std::get<protocol::PinEntered>(r.step).pinBox;
    }
    if (const auto* pin = std::get_if<SendPin>(&output)) {
        const bool code = std::holds_alternative<protocol::KeypadCode>(pin->request.step);
        return (code ? "code " : "pin ") + pin->request.session + " " + pin->digits;
    }
    if (const auto* event = std::get_if<SendEvent>(&output)) {
        const auto& e = event->event;
        std::string text = "event " + std::string(protocol::toString(e.kind));
        text = e.session.empty() ? text : text + " " + e.session;
        if (e.kind == protocol::DoorEventKind::offlineGranted ||
            e.kind == protocol::DoorEventKind::offlineDenied) {
            text.append(" ").append(e.card).append(" ").append(e.person.empty() ? "-" : e.person);
            text.append(" ").append(e.reason).append(" ");
            text.append(e.side ? protocol::toString(*e.side) : "no-side");
            text.append(e.degraded ? " degraded" : "");
        }
        return text;
    }
    if (const auto* lock = std::get_if<DriveLock>(&output)) {
        return lock->released ? "lock release " + std::to_string(lock->ms) : "lock relock";
    }
    if (const auto* display = std::get_if<Display>(&output)) {
        std::string text = "display " + std::string(toString(display->screen));
        if (!display->reason.empty()) {
            text += " " + display->reason;
        }
        if (display->pinDigits > 0) {
            text += " " + std::to_string(display->pinDigits);
        }
        return text;
    }
    if (const auto* verify = std::get_if<VerifyOfflinePin>(&output)) {
        return "verify_pin " + verify->person + " " + verify->digits;
    }
    if (const auto* ack = std::get_if<AckJournal>(&output)) {
        return std::string("ack_journal ").append(std::to_string(ack->seq));
    }
    if (std::holds_alternative<CacheChanged>(output)) {
        return "cache_changed";
    }
    if (const auto* ack = std::get_if<SendAck>(&output)) {
        std::string text = "ack " + std::string(protocol::toString(ack->ack.result));
        return ack->ack.reason.empty() ? text : text + " " + ack->ack.reason;
    }
    return "ignored " + std::get<Ignored>(output).why;
}

Input reply(std::string session, std::variant<Challenge, Decision> body,
            std::string door = "server-room") {
    PanelReply r;
    r.session = std::move(session);
    r.door = std::move(door);
    r.body = std::move(body);
    r.auth.epoch = kGenuine;
    r.auth.nonce = std::string(32, 'c');
    return ControllerReply{std::move(r), true};
}
// A reply as an attacker shapes it: `authentic` (did its MAC verify), its epoch, counter, step.
Input crafted(std::string session, std::variant<Challenge, Decision> body, bool authentic,
              std::string epoch, std::uint64_t counter, Factor step) {
    auto input = std::get<ControllerReply>(reply(std::move(session), std::move(body)));
    input.authentic = authentic;
    input.reply.auth.epoch = std::move(epoch);
    input.reply.auth.counter = counter;
    input.reply.step = step;
    return input;
}
Input link(std::string epoch, bool authentic = true) {
    return LinkAnnounced{protocol::PanelLink{std::move(epoch), std::string(64, 'a')}, authentic};
}
PanelState linked() {
    PanelState s;
    s.linkEpoch = kEpoch;
    return s;
}
Input pinChallenge(std::string session, int timeoutMs = 10000) {
    return reply(std::move(session), Challenge{Factor::pin, "", timeoutMs});
}
Input fingerChallenge(std::string session, int timeoutMs = 10000) {
    return reply(std::move(session), Challenge{Factor::finger, kTemplateBox, timeoutMs});
}
Input granted(std::string session, int unlockMs = 5000) {
    return reply(std::move(session), Decision{true, "granted", unlockMs});
}
Input denied(std::string session, std::string code) {
    return reply(std::move(session), Decision{false, std::move(code), 0});
}

struct Row {
    std::int64_t atMs;
    Input input;
    std::vector<std::string> expect;
};

// Runs the rows in order from a fresh state and returns the final state.
PanelState runTable(const PanelConfig& cfg, const std::vector<Row>& rows,
                    PanelState state = linked()) {
    int index = 0;
    for (const auto& row : rows) {
        Input input = row.input;
        if (auto* answer = std::get_if<ControllerReply>(&input);
            answer != nullptr && answer->reply.auth.epoch == kGenuine) {
            answer->reply.auth.epoch = state.linkEpoch;
            answer->reply.auth.counter = state.outstandingCounter;
            answer->reply.step = state.outstandingStep;
        }
        auto result = step(cfg, std::move(state), input, row.atMs);
        state = std::move(result.state);
        std::vector<std::string> got;
        for (const auto& output : result.outputs) {
            got.push_back(describe(output));
        }
        EXPECT_EQ(got, row.expect) << "row " << index << " at " << row.atMs << " ms";
        ++index;
    }
    return state;
}

TEST(DoorPanel, ThreeFactorHappyPath) {
    const auto state = runTable(
        config(),
        {
            {1000, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
            {1010, pinChallenge("b00t-1"), {"display enter_pin"}},
            {2000, KeypadDigit{'4'}, {"display enter_pin 1"}},
            {2100, KeypadDigit{'7'}, {"display enter_pin 2"}},
            {2200, KeypadDigit{'1'}, {"display enter_pin 3"}},
            {2300, KeypadDigit{'1'}, {"display enter_pin 4"}},
            {2400, KeypadEnter{}, {"pin b00t-1 4711", "display checking"}},
            {2410, fingerChallenge("b00t-1"), {"display place_finger"}},
            {3000, FingerPlaced{93}, {"request b00t-1 finger 93", "display checking"}},
            {3010, granted("b00t-1"), {"display granted", "lock release 5000"}},
            {4000, DoorPosition{true}, {"event opened b00t-1"}},
            {6000, DoorPosition{false}, {"event closed b00t-1", "lock relock"}},
            {9000, Tick{}, {}},  // already re-locked on closing: nothing more at 8010
        });
    EXPECT_EQ(state.phase, Phase::idle);
    EXPECT_FALSE(state.lockReleased);
    EXPECT_TRUE(state.pinDigits.empty());
}

TEST(DoorPanel, WrongPinReplyEndsTheSession) {
    const auto state = runTable(
        config(),
        {
            {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
            {10, pinChallenge("b00t-1"), {"display enter_pin"}},
            {100, KeypadDigit{'0'}, {"display enter_pin 1"}},
            {200, KeypadEnter{}, {"pin b00t-1 0", "display checking"}},
            {210, denied("b00t-1", "wrong_pin"), {"display denied wrong_pin"}},
            {220, KeypadDigit{'1'}, {"ignored keypad: no PIN asked for"}},
            {230, granted("b00t-1"), {"ignored reply: stale session"}},
            {240, DoorPosition{true}, {"event forced"}},
        });
    EXPECT_EQ(state.phase, Phase::idle);
    EXPECT_TRUE(state.session.empty());
}

TEST(DoorPanel, StepTimeoutsAndControllerSilence) {
    runTable(
        config(),
        {
            {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
            {10, pinChallenge("b00t-1", 8000), {"display enter_pin"}},
            {8009, KeypadDigit{'1'}, {"display enter_pin 1"}},
            {8010, Tick{}, {"display denied timeout"}},
            {8020, KeypadEnter{}, {"ignored keypad: no PIN asked for"}},
            // The controller's own timeout denial arrives after the panel gave up.
            {8030, denied("b00t-1", "timeout"), {"ignored reply: stale session"}},
            // Finger challenge that is never answered.
            {9000, CardRead{"04A1B2C3"}, {"request b00t-2 card 04A1B2C3", "display checking"}},
            {9010, fingerChallenge("b00t-2", 3000), {"display place_finger"}},
            {12010,
             FingerPlaced{95},
             {"display denied timeout", "ignored finger: no finger asked for"}},
            // No reply at all within the reply timeout: the controller's failure.
            {20000, CardRead{"04A1B2C3"}, {"request b00t-3 card 04A1B2C3", "display checking"}},
            {24999, Tick{}, {}},
            {25000, Tick{}, {"display denied controller_error"}},
        });
}

TEST(DoorPanel, StaleAndForeignRepliesAreIgnored) {
    runTable(config(),
             {
                 {0, granted("b00t-1"), {"ignored reply: stale session"}},  // idle
                 {10, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
                 // A second card starts over; the first session's replies are now stale.
                 {20,
                  CardRead{"0011223344556677"},
                  {"request b00t-2 card 0011223344556677", "display checking"}},
                 {30, granted("b00t-1"), {"ignored reply: stale session"}},
                 {40,
                  reply("b00t-2", Decision{true, "granted", 3000}, "other-door"),
                  {"ignored reply: for another door"}},
                 {50, denied("b00t-2", "revoked"), {"display denied revoked"}},
                 {60, granted("b00t-2"), {"ignored reply: stale session"}},
             });
}

TEST(DoorPanel, ChallengeWhileCollectingAFactorIsIgnoredButADecisionIsNot) {
    runTable(
        config(),
        {
            {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
            {10, pinChallenge("b00t-1"), {"display enter_pin"}},
            {20, fingerChallenge("b00t-1"), {"ignored reply: challenge while collecting a factor"}},
            {30, KeypadDigit{'x'}, {"ignored keypad: not a digit"}},
            {40, KeypadEnter{}, {"ignored keypad: no digits"}},
            {50, denied("b00t-1", "revoked"), {"display denied revoked"}},
        });
}

TEST(DoorPanel, ForcedOpenAndGrantThatExpiredUnused) {
    runTable(config(),
             {
                 {0, DoorPosition{true}, {"event forced"}},
                 {10, DoorPosition{true}, {"ignored door: position unchanged"}},
                 {1000, DoorPosition{false}, {"event closed"}},
                 {2000, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
                 {2010, granted("b00t-1", 4000), {"display granted", "lock release 4000"}},
                 {6009, Tick{}, {}},
                 {6010, Tick{}, {"lock relock"}},
                 {7000, DoorPosition{true}, {"event forced"}},
             });
}

TEST(DoorPanel, HeldOpenIsReportedOncePerOpening) {
    runTable(config(),
             {
                 {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
                 {10, granted("b00t-1", 5000), {"display granted", "lock release 5000"}},
                 {1000, DoorPosition{true}, {"event opened b00t-1"}},
                 {5010, Tick{}, {"lock relock"}},
                 {30999, Tick{}, {}},
                 {31000, Tick{}, {"event held_open b00t-1"}},
                 {60000, Tick{}, {}},
                 {61000, DoorPosition{false}, {"event closed b00t-1"}},
                 {62000, DoorPosition{true}, {"event forced"}},
                 {92000, Tick{}, {"event held_open"}},
             });
}

TEST(DoorPanel, RequestToExitReleasesAndExcusesTheOpening) {
    runTable(config(), {
                           {0, ExitRequest{}, {"event exit_requested", "lock release 5000"}},
                           {1000, DoorPosition{true}, {"event opened"}},
                           {3000, DoorPosition{false}, {"event closed", "lock relock"}},
                           {10000, ExitRequest{}, {"event exit_requested", "lock release 5000"}},
                           {15000, Tick{}, {"lock relock"}},
                           {15001, DoorPosition{true}, {"event forced"}},
                       });
}

TEST(DoorPanel, TamperReportsChangesOnly) {
    runTable(config(), {
                           {0, TamperSwitch{true}, {"event tamper"}},
                           {10, TamperSwitch{true}, {"ignored tamper: unchanged"}},
                           {20, TamperSwitch{false}, {"event tamper_cleared"}},
                       });
}

TEST(DoorPanel, PinLengthIsBounded) {
    PanelConfig cfg = config();
    cfg.maxPinDigits = 2;
    runTable(cfg,
             {
                 {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
                 {10, pinChallenge("b00t-1"), {"display enter_pin"}},
                 {20, KeypadDigit{'1'}, {"display enter_pin 1"}},
                 {30, KeypadDigit{'2'}, {"display enter_pin 2"}},
                 {40, KeypadDigit{'3'}, {"ignored keypad: PIN too long"}},
                 {50, KeypadEnter{}, {"pin b00t-1 12", "display checking"}},
             });
}

TEST(DoorPanel, FingerWithoutScoreIsSentAsZero) {
    runTable(config(),
             {
                 {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
                 {10, fingerChallenge("b00t-1"), {"display place_finger"}},
                 {20, FingerPlaced{std::nullopt}, {"request b00t-1 finger 0", "display checking"}},
             });
}

TEST(DoorPanel, NextDeadlineIsTheEarliestPendingOne) {
    const PanelConfig cfg = config();
    PanelState state = linked();
    EXPECT_EQ(nextDeadline(cfg, state), std::nullopt);
    state = step(cfg, state, CardRead{"04A1B2C3"}, 100).state;
    EXPECT_EQ(nextDeadline(cfg, state), 5100);
    auto grant = std::get<ControllerReply>(granted("b00t-1", 2000));
    grant.reply.auth.epoch = state.linkEpoch;
    grant.reply.auth.counter = state.outstandingCounter;
    state = step(cfg, state, grant, 200).state;
    EXPECT_EQ(nextDeadline(cfg, state), 2200);
    state = step(cfg, state, DoorPosition{true}, 300).state;
    EXPECT_EQ(nextDeadline(cfg, state), 2200);
    state = step(cfg, state, Tick{}, 2200).state;
    EXPECT_EQ(nextDeadline(cfg, state), 30300);
}

// The panel's half of the authenticated link: only a reply whose MAC verified, under the current
// epoch, answering the one outstanding request (its counter and step) moves the panel.
TEST(DoorPanel, OnlyAnAuthenticReplyToTheOutstandingRequestIsActedOn) {
    const PanelConfig cfg = config();
    const auto state = runTable(
        cfg,
        {
            // No link yet: nothing would be accepted, so the panel says so at once.
            {0, CardRead{"04A1B2C3"}, {"display denied controller_error"}},
            {10, link(kEpoch, /*authentic=*/false), {"ignored link: bad MAC"}},
            {20, link(kEpoch), {}},
            {30, link(kEpoch), {"ignored link: epoch unchanged"}},
            {40, CardRead{"04A1B2C3"}, {"request b00t-2 card 04A1B2C3", "display checking"}},
            // counter 1 is the card request (firstCounter 1)
            {50,
             crafted("b00t-2", Decision{true, "granted", 5000}, false, kEpoch, 1, Factor::card),
             {"ignored reply: bad MAC"}},
            {60,
             crafted("b00t-2", Decision{true, "granted", 5000}, true, kOldEpoch, 1, Factor::card),
             {"ignored reply: stale epoch"}},
            {70,
             crafted("b00t-2", Decision{true, "granted", 5000}, true, kEpoch, 7, Factor::card),
             {"ignored reply: does not answer the outstanding request"}},
            {80,
             crafted("b00t-2", Decision{true, "granted", 5000}, true, kEpoch, 1, Factor::pin),
             {"ignored reply: does not answer the outstanding request"}},
            {90, pinChallenge("b00t-2"), {"display enter_pin"}},
            {100, KeypadDigit{'1'}, {"display enter_pin 1"}},
            {110, KeypadEnter{}, {"pin b00t-2 1", "display checking"}},
            // The captured answer to the card step (counter 1), replayed now: refused.
            {120,
             crafted("b00t-2", Decision{true, "granted", 5000}, true, kEpoch, 1, Factor::card),
             {"ignored reply: does not answer the outstanding request"}},
            // The controller restarted (new epoch): its old sessions are gone.
            {130, link(kOldEpoch), {"display denied controller_error"}},
            {140, granted("b00t-2"), {"ignored reply: stale session"}},
        },
        PanelState{});
    EXPECT_FALSE(state.lockReleased);
    EXPECT_EQ(state.linkEpoch, kOldEpoch);
}

TEST(DoorPanel, RequestsCarryEpochCounterAndTheChallengesNonce) {
    PanelConfig cfg = config();
    cfg.firstCounter = 1000;
    auto r = step(cfg, linked(), CardRead{"04A1B2C3"}, 0);
    const auto& card = std::get<SendRequest>(r.outputs.at(0)).request;
    EXPECT_EQ(card.auth.epoch, kEpoch);
    EXPECT_EQ(card.auth.counter, 1000u);
    EXPECT_EQ(card.auth.nonce, "");  // the runner adds a fresh one
    auto challenge = std::get<ControllerReply>(pinChallenge("b00t-1"));
    challenge.reply.auth.epoch = kEpoch;
    challenge.reply.auth.counter = 1000;
    challenge.reply.auth.nonce = std::string(32, '7');
    r = step(cfg, std::move(r.state), challenge, 10);
    r = step(cfg, std::move(r.state), KeypadDigit{'5'}, 20);
    r = step(cfg, std::move(r.state), KeypadEnter{}, 30);
    const auto& pin = std::get<SendPin>(r.outputs.at(0)).request;
    EXPECT_EQ(pin.auth.counter, 1001u);
    EXPECT_EQ(pin.auth.nonce, std::string(32, '7'));
    // Events draw from the same counter: strictly increasing, whatever the message.
    r = step(cfg, std::move(r.state), TamperSwitch{true}, 40);
    EXPECT_EQ(std::get<SendEvent>(r.outputs.at(0)).event.counter, 1002u);
}

TEST(DoorPanel, DisplayTextNamesTheReason) {
    EXPECT_EQ(displayText(Display{Screen::denied, "wrong_pin", 0}), "Access denied: wrong PIN");
    EXPECT_EQ(displayText(Display{Screen::denied, "no_access", 0}), "Access denied: no access");
    EXPECT_EQ(displayText(Display{Screen::enterPin, "", 3}), "Enter PIN ***");
    EXPECT_EQ(displayText(Display{Screen::granted, "", 0}), "Access granted");
}

// ------------------------------------------------------------------ issue 14

PanelConfig keypadConfig() {
    PanelConfig c = config();
    c.door = "store";
    c.keypadOnly = true;
    c.codeEntryMs = 8000;
    return c;
}

TEST(DoorPanel, AKeypadOnlyDoorStartsASessionWithTheCode) {
    const auto state =
        runTable(keypadConfig(),
                 {
                     {0, CardRead{"04A1B2C3"}, {"ignored card: a keypad-only door reads no card"}},
                     {1000, KeypadDigit{'4'}, {"display enter_code 1"}},
                     {1100, KeypadDigit{'x'}, {"ignored keypad: not a digit"}},
                     {1200, KeypadDigit{'7'}, {"display enter_code 2"}},
                     {1300, KeypadDigit{'1'}, {"display enter_code 3"}},
                     {1400, KeypadDigit{'2'}, {"display enter_code 4"}},
                     {1500, KeypadEnter{}, {"code b00t-1 4712", "display checking"}},
                     {1510, KeypadDigit{'9'}, {"ignored keypad: no PIN asked for"}},
                     {1520,
                      reply("b00t-1", Decision{true, "granted", 5000}, "store"),
                      {"display granted", "lock release 5000"}},
                 },
                 linked());
    EXPECT_EQ(state.phase, Phase::idle);
    EXPECT_TRUE(state.pinDigits.empty());
    // The keypad step is answered as the door's pin factor.
    EXPECT_EQ(state.outstandingCounter, 0U);
}

TEST(DoorPanel, AKeypadCodeIsAbandonedAfterItsEntryTimeAndNeedsTheLink) {
    runTable(keypadConfig(), {
                                 {0, KeypadDigit{'1'}, {"display enter_code 1"}},
                                 {7000, KeypadDigit{'2'}, {"display enter_code 2"}},
                                 {14999, Tick{}, {}},
                                 {15000, Tick{}, {"display denied timeout"}},
                                 {15100, KeypadEnter{}, {"ignored keypad: no PIN asked for"}},
                             });
    runTable(keypadConfig(),
             {
                 {0, KeypadDigit{'1'}, {"display enter_code 1"}},
                 {10, KeypadEnter{}, {"display denied controller_error"}},
             },
             PanelState{});
    // The deadline a runner sleeps to is the code's.
    auto typed = step(keypadConfig(), linked(), KeypadDigit{'5'}, 100);
    EXPECT_EQ(nextDeadline(keypadConfig(), typed.state), 8100);
    // At a card door the keypad only answers a PIN challenge, as before.
    const auto atCardDoor = step(config(), linked(), KeypadDigit{'5'}, 100);
    EXPECT_EQ(describe(atCardDoor.outputs.at(0)), "ignored keypad: no PIN asked for");
}

TEST(DoorPanel, AReaderFormatGoesOutAsRead) {
    runTable(config(),
             {
                 {0,
                  CardRead{"", "wiegand26", "10111101110110010011011101"},
                  {"request b00t-1 card wiegand26 10111101110110010011011101", "display checking"}},
                 {10,
                  CardRead{"", "felica", "012e4cd8e5c1a30b"},
                  {"request b00t-2 card felica 012e4cd8e5c1a30b", "display checking"}},
             });
}

// The local deny list holds canonical card ids: a reader format is decoded before the look-up.
TEST(DoorPanel, TheDenyListKnowsACardInEveryFormat) {
    PanelState state = linked();
    state.commands.denied.add("W26-123-45678");
    state.commands.denied.add("0123456789ABCDEF");
    runTable(config(),
             {
                 {0,
                  CardRead{"", "wiegand26", "10111101110110010011011101"},
                  {"display denied revoked"}},
                 {10, CardRead{"", "felica", "0123456789abcdef"}, {"display denied revoked"}},
                 {20, CardRead{"0123456789ABCDEF"}, {"display denied revoked"}},
                 // A reading that does not decode (parity) is the controller's to deny.
                 {30,
                  CardRead{"", "wiegand26", "00111101110110010011011101"},
                  {"request b00t-4 card wiegand26 00111101110110010011011101", "display checking"}},
             },
             state);
}

TEST(DoorPanel, ASecondTemplateIsKeptForTheFingerAndDropped) {
    PanelState state = linked();
    state = step(config(), std::move(state), CardRead{"04A1B2C3"}, 0).state;
    auto challenge = reply("b00t-1", Challenge{Factor::finger, kTemplateBox, 10000});
    auto& answer = std::get<ControllerReply>(challenge);
    std::get<Challenge>(answer.reply.body).templateBox2 = "second";
    answer.reply.auth.epoch = state.linkEpoch;
    answer.reply.auth.counter = state.outstandingCounter;
    answer.reply.step = state.outstandingStep;
    state = step(config(), std::move(state), challenge, 10).state;
    EXPECT_EQ(state.phase, Phase::awaitingFinger);
    EXPECT_EQ(state.templateBox, kTemplateBox);
    EXPECT_EQ(state.templateBox2, "second");
    state = step(config(), std::move(state), FingerPlaced{88}, 20).state;
    EXPECT_TRUE(state.templateBox.empty());
    EXPECT_TRUE(state.templateBox2.empty());
}

TEST(DoorPanel, EnterCodeScreenText) {
    EXPECT_EQ(displayText(Display{Screen::enterCode, {}, 3}), "Enter code ***");
    EXPECT_EQ(toString(Screen::enterCode), "enter_code");
}

// --- offline decisions (docs/offline.md, "Deciding offline") -------------------------------------

// Monday 2026-11-30 09:00 at the site (UTC+9).
constexpr std::int64_t kMonday0900Jst = 1'795'996'800'000;
const std::string kPinHash = std::string(64, 'a');

protocol::OfflinePolicy offlinePolicy(std::vector<Factor> entry) {
    protocol::OfflinePolicy p;
    p.door = "server-room";
    p.entryFactors = std::move(entry);
    p.unlockMs = 4000;
    p.stalenessMs = 600'000;
    return p;
}
protocol::CacheEntry cached(std::string card, std::string person) {
    protocol::CacheEntry e;
    e.card = std::move(card);
    e.person = std::move(person);
    for (int day = 0; day < 5; ++day) {
        e.entryWindows.push_back({day, 8 * 60, 18 * 60});
    }
    e.pinHash = kPinHash;
    e.templateBox = kTemplateBox;
    return e;
}
PanelConfig offlineConfig() {
    auto c = config();
    c.utcOffsetMinutes = 540;
    return c;
}
// An authentic command under the current epoch; counters from 1000 up, one a call.
Input cmd(protocol::PanelCommand c) {
    static std::uint64_t counter = 1000;
    c.id = "cmd-" + std::to_string(counter);
    c.auth.epoch = kEpoch;
    c.auth.counter = ++counter;
    c.auth.nonce = std::string(32, 'c');
    return ControllerCommand{std::move(c), true};
}
protocol::PanelCommand cacheCommand(protocol::CommandType type, std::uint64_t version) {
    protocol::PanelCommand c;
    c.type = type;
    c.version = version;
    return c;
}
// Linked, the wall clock set at nowMs 0, Aiko and Ben cached and synced fresh at 0.
PanelState offlineReady(std::vector<Factor> factors) {
    PanelState s = linked();
    s = step(offlineConfig(), std::move(s), WallClock{kMonday0900Jst}, 0).state;
    auto put = cacheCommand(protocol::CommandType::cachePut, 1);
    put.entries = {cached("04A1B2C3", "aiko"), cached("04B0B0B0", "ben")};
    s.cache.apply(put, 0);
    auto sync = cacheCommand(protocol::CommandType::cacheSync, 1);
    sync.policy = offlinePolicy(std::move(factors));
    s.cache.apply(sync, 0);
    return s;
}
const std::vector<Factor> kThreeFactor = {Factor::card, Factor::pin, Factor::finger};

TEST(DoorPanelOffline, LinkDownDecidesFromTheCacheAndDrivesTheLockAsOnline) {
    runTable(
        offlineConfig(),
        {
            {10, LinkStatus{false}, {}},
            {1000, CardRead{"04A1B2C3"}, {"display enter_pin"}},
            {1100, KeypadDigit{'4'}, {"display enter_pin 1"}},
            {1200, KeypadDigit{'7'}, {"display enter_pin 2"}},
            {1300, KeypadEnter{}, {"verify_pin aiko 47", "display checking"}},
            {1310, OfflinePinResult{kPinHash}, {"display place_finger"}},
            {2000,
             FingerPlaced{90},
             {"event offline_granted b00t-1 04A1B2C3 aiko granted entry", "display granted",
              "lock release 4000"}},
            {3000, DoorPosition{true}, {"event opened b00t-1"}},
            {4000, DoorPosition{false}, {"event closed b00t-1", "lock relock"}},
            // Wrong PIN, no PIN at all, a finger below the threshold, a factor not given.
            {5000, CardRead{"04B0B0B0"}, {"display enter_pin"}},
            {5100, KeypadDigit{'1'}, {"display enter_pin 1"}},
            {5200, KeypadEnter{}, {"verify_pin ben 1", "display checking"}},
            {5210,
             OfflinePinResult{std::string(64, 'b')},
             {"event offline_denied b00t-2 04B0B0B0 ben wrong_pin entry",
              "display denied wrong_pin"}},
            {6000, CardRead{"04B0B0B0"}, {"display enter_pin"}},
            {6100, KeypadDigit{'1'}, {"display enter_pin 1"}},
            {6200, KeypadEnter{}, {"verify_pin ben 1", "display checking"}},
            {6210,
             OfflinePinResult{std::nullopt},
             {"event offline_denied b00t-3 04B0B0B0 ben wrong_pin entry",
              "display denied wrong_pin"}},
            {6220, OfflinePinResult{kPinHash}, {"ignored offline pin: no PIN being checked"}},
            {7000, CardRead{"04B0B0B0"}, {"display enter_pin"}},
            {7100, KeypadDigit{'1'}, {"display enter_pin 1"}},
            {7200, KeypadEnter{}, {"verify_pin ben 1", "display checking"}},
            {7210, OfflinePinResult{kPinHash}, {"display place_finger"}},
            {7300,
             FingerPlaced{59},
             {"event offline_denied b00t-4 04B0B0B0 ben finger_mismatch entry",
              "display denied finger_mismatch"}},
            {8000, CardRead{"04A1B2C3"}, {"display enter_pin"}},
            {28'000,
             Tick{},
             {"event offline_denied b00t-5 04A1B2C3 aiko timeout entry", "display denied timeout"}},
            {29'000,
             CardRead{"04C0FFEE"},
             {"event offline_denied b00t-6 04C0FFEE - unknown_card entry",
              "display denied unknown_card"}},
        },
        offlineReady(kThreeFactor));
}

TEST(DoorPanelOffline, OutsideTheWeeklyWindowAtTheSitesTime) {
    auto state = offlineReady({Factor::card});
    // 18:30 at the site (09:30 UTC): outside 08:00-18:00.
    state =
        step(offlineConfig(), std::move(state), WallClock{kMonday0900Jst + 570 * 60'000}, 0).state;
    runTable(offlineConfig(),
             {
                 {0, LinkStatus{false}, {}},
                 {100,
                  CardRead{"04A1B2C3"},
                  {"event offline_denied b00t-1 04A1B2C3 aiko outside_schedule entry",
                   "display denied outside_schedule"}},
             },
             std::move(state));
}

TEST(DoorPanelOffline, AReplyTimeOutDecidesAtOnceUntilTheControllerIsHeardAgain) {
    auto state = runTable(
        offlineConfig(),
        {
            {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
            // The reply time-out: the controller is silent; the waiting person decided now.
            {5000,
             Tick{},
             {"event offline_granted b00t-1 04A1B2C3 aiko granted entry", "display granted",
              "lock release 4000"}},
            // Every card after is decided offline without asking.
            {6000,
             CardRead{"04B0B0B0"},
             {"event offline_granted b00t-2 04B0B0B0 ben granted entry", "display granted",
              "lock release 4000"}},
            // An authentic link announcement ends offline mode.
            {7000, link(kEpoch), {"ignored link: epoch unchanged"}},
            {8000, CardRead{"04A1B2C3"}, {"request b00t-3 card 04A1B2C3", "display checking"}},
            {8100, granted("b00t-3", 3000), {"display granted", "lock release 3000"}},
            // Silent again; a late authentic reply (stale session) ends it too.
            {9000, CardRead{"04A1B2C3"}, {"request b00t-4 card 04A1B2C3", "display checking"}},
        },
        offlineReady({Factor::card}));
    const auto pending = state.outstandingCounter;
    state = runTable(offlineConfig(),
                     {
                         {14'000,
                          Tick{},
                          {"event offline_granted b00t-4 04A1B2C3 aiko granted entry",
                           "display granted", "lock release 4000"}},
                     },
                     std::move(state));
    EXPECT_TRUE(state.controllerSilent);
    auto late =
        crafted("b00t-4", Decision{true, "granted", 5000}, true, kEpoch, pending, Factor::card);
    runTable(
        offlineConfig(),
        {
            {14'100, late, {"ignored reply: stale session"}},
            {15'000, CardRead{"04A1B2C3"}, {"request b00t-5 card 04A1B2C3", "display checking"}},
        },
        std::move(state));
}

TEST(DoorPanelOffline, TheLinkDroppingWhileWaitingDecidesAtOnce) {
    runTable(offlineConfig(),
             {
                 {0, CardRead{"04A1B2C3"}, {"request b00t-1 card 04A1B2C3", "display checking"}},
                 {100, LinkStatus{false}, {"display enter_pin"}},
                 {200, LinkStatus{false}, {"ignored link: status unchanged"}},
                 {300, LinkStatus{true}, {}},
             },
             offlineReady(kThreeFactor));
}

TEST(DoorPanelOffline, ARevokedCardIsRefusedOfflineAfterTheSyncThatRevokedIt) {
    protocol::PanelCommand revoke;
    revoke.type = protocol::CommandType::revoke;
    revoke.cards = {"04A1B2C3"};
    auto remove = cacheCommand(protocol::CommandType::cacheRemove, 2);
    remove.cards = {"04B0B0B0"};
    auto sync = cacheCommand(protocol::CommandType::cacheSync, 2);
    sync.policy = offlinePolicy({Factor::card});
    runTable(
        offlineConfig(),
        {
            {100, cmd(revoke), {"ack done"}},
            {200, cmd(remove), {"cache_changed", "ack done"}},
            {300, cmd(sync), {"cache_changed", "ack done"}},
            {400, LinkStatus{false}, {}},
            {1000,
             CardRead{"04A1B2C3"},
             {"event offline_denied b00t-1 04A1B2C3 aiko revoked entry", "display denied revoked"}},
            {2000,
             CardRead{"04B0B0B0"},
             {"event offline_denied b00t-2 04B0B0B0 - unknown_card entry",
              "display denied unknown_card"}},
        },
        offlineReady({Factor::card}));
}

TEST(DoorPanelOffline, StaleAfterARebootUntilTheFirstSyncThenDegradedModeAtThreeFactors) {
    const std::string bytes = offlineReady(kThreeFactor).cache.encode();
    PanelState rebooted = linked();
    rebooted = step(offlineConfig(), std::move(rebooted), WallClock{kMonday0900Jst}, 0).state;
    auto sync = cacheCommand(protocol::CommandType::cacheSync, 1);
    sync.policy = offlinePolicy(kThreeFactor);
    auto state =
        runTable(offlineConfig(),
                 {
                     {0,
                      CacheRestored{std::string("{\"version\":1}")},
                      {"ignored cache: cache: format: missing"}},
                     {0, CacheRestored{std::nullopt}, {"ignored cache: none stored"}},
                     {0, CacheRestored{bytes}, {}},
                     {10, LinkStatus{false}, {}},
                     {1000,
                      CardRead{"04A1B2C3"},
                      {"event offline_denied b00t-1 04A1B2C3 aiko offline_degraded entry degraded",
                       "display denied offline_degraded"}},
                     {1100, LinkStatus{true}, {}},
                     {1200, cmd(sync), {"cache_changed", "ack done"}},
                     {1300, LinkStatus{false}, {}},
                     {2000, CardRead{"04A1B2C3"}, {"display enter_pin"}},
                 },
                 std::move(rebooted));
    EXPECT_EQ(state.cache.freshUntilMs(), 1200 + 600'000);
    // Past the staleness bound without another sync: degraded again.
    runTable(
        offlineConfig(),
        {
            {601'200,
             CardRead{"04B0B0B0"},
             {"event offline_denied b00t-2 04A1B2C3 aiko timeout entry", "display denied timeout",
              "event offline_denied b00t-3 04B0B0B0 ben offline_degraded entry degraded",
              "display denied offline_degraded"}},
        },
        std::move(state));
}

TEST(DoorPanelOffline, DegradedTwoPersonNeedsTheSecondCachedPerson) {
    auto state = offlineReady({Factor::card, Factor::finger});
    auto p = *state.cache.policy();
    p.degraded = protocol::DegradedMode::twoPerson;
    auto sync = cacheCommand(protocol::CommandType::cacheSync, 1);
    sync.policy = p;
    state.cache.apply(sync, 0);
    runTable(offlineConfig(),
             {
                 {0, LinkStatus{false}, {}},
                 {700'000, CardRead{"04A1B2C3"}, {"display place_finger"}},
                 {700'100,
                  FingerPlaced{80},
                  {"event offline_denied b00t-1 04A1B2C3 aiko awaiting_second_person entry "
                   "degraded",
                   "display denied awaiting_second_person"}},
                 {710'000, CardRead{"04B0B0B0"}, {"display place_finger"}},
                 {710'100,
                  FingerPlaced{80},
                  {"event offline_granted b00t-2 04B0B0B0 ben granted entry degraded",
                   "display granted", "lock release 4000"}},
             },
             std::move(state));
}

TEST(DoorPanelOffline, AFullJournalAppliesThePolicy) {
    runTable(offlineConfig(),
             {
                 {0, LinkStatus{false}, {}},
                 {10, JournalLevel{100, 100}, {}},
                 {1000,
                  CardRead{"04A1B2C3"},
                  {"event offline_denied b00t-1 04A1B2C3 aiko journal_full entry",
                   "display denied journal_full"}},
                 {1010, JournalLevel{0, 0}, {}},
                 {1020,
                  CardRead{"04A1B2C3"},
                  {"event offline_denied b00t-2 04A1B2C3 aiko journal_full entry",
                   "display denied journal_full"}},
                 {1100, JournalLevel{99, 100}, {}},
                 {2000,
                  CardRead{"04A1B2C3"},
                  {"event offline_granted b00t-3 04A1B2C3 aiko granted entry", "display granted",
                   "lock release 4000"}},
             },
             offlineReady({Factor::card}));
}

TEST(DoorPanelOffline, EventAckCacheRefusalsAndEventTimes) {
    protocol::PanelCommand ack;
    ack.type = protocol::CommandType::eventAck;
    ack.seq = 42;
    auto gap = cacheCommand(protocol::CommandType::cachePut, 5);
    gap.entries = {cached("04C0FFEE", "cho")};
    protocol::PanelCommand rearm;
    rearm.type = protocol::CommandType::gateRearm;
    rearm.door = "server-room";
    auto forged = std::get<ControllerCommand>(cmd(ack));
    forged.authentic = false;
    runTable(offlineConfig(),
             {
                 {0, cmd(ack), {"ack_journal 42"}},
                 {10, forged, {"ignored command: bad MAC"}},
                 {20, cmd(gap), {"ack refused cache version 5 does not follow 1"}},
                 {30, cmd(rearm), {"ack refused not a circle gate"}},
             },
             offlineReady({Factor::card}));
    // Every event carries the wall clock's time of when it happened; 0 before any is known.
    auto result = step(offlineConfig(), offlineReady({Factor::card}), TamperSwitch{true}, 2500);
    ASSERT_EQ(result.outputs.size(), 1u);
    EXPECT_EQ(std::get<SendEvent>(result.outputs[0]).event.occurredUs,
              (kMonday0900Jst + 2500) * 1000);
    result = step(offlineConfig(), linked(), TamperSwitch{true}, 2500);
    EXPECT_EQ(std::get<SendEvent>(result.outputs[0]).event.occurredUs, 0);
    // The reports are what the controller's parser takes (docs/mqtt.md "Offline operation").
    auto offline = offlineReady({Factor::card});
    offline = step(offlineConfig(), std::move(offline), LinkStatus{false}, 0).state;
    for (const std::string card : {"04A1B2C3", "04C0FFEE"}) {
        result = step(offlineConfig(), offline, CardRead{card}, 100);
        auto event = std::get<SendEvent>(result.outputs.at(0)).event;
        event.seq = 7;
        event.sig = std::string(128, 'f');
        const auto parsed = protocol::parsePanelEvent(protocol::encode(event));
        ASSERT_TRUE(parsed) << parsed.error;
        EXPECT_EQ(parsed.value->card, card);
        EXPECT_EQ(parsed.value->side, protocol::DoorSide::entry);
    }
    // A reading that does not decode is refused at the reader, with no report to carry.
    result = step(offlineConfig(), offline, CardRead{"", "wiegand26", "0011"}, 100);
    ASSERT_EQ(result.outputs.size(), 1u);
    EXPECT_EQ(describe(result.outputs[0]), "display denied bad_card_format");
    EXPECT_TRUE(offlineMode(PanelState{}));
    EXPECT_FALSE(offlineMode(linked()));
}

}  // namespace
}  // namespace sekimori::firmware
