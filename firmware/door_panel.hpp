#pragma once
// The door panel's logic as a pure state machine: step(config, state, input, nowMs) returns the
// next state and what the hardware should do. No I/O, no clock: time comes in as nowMs (any
// monotonic milliseconds), so every behaviour is tested as a table (tests/firmware).
// DoorPanelRunner (door_panel_runner.hpp) carries the outputs out through the HAL.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "firmware/panel_commands.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::firmware {

struct PanelConfig {
    std::string site;   // bound into every MAC and signature (protocol/panel_link_auth.hpp)
    std::string panel;  // this panel's id
    std::string door;   // the door this panel reads for
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::string sessionPrefix;      // random per boot ([a-z0-9]{1,40}); sessions are "<prefix>-<n>"
    int replyTimeoutMs = 5000;      // no reply to a request within this: controller_error
    int heldOpenMs = 30000;         // open longer than this: held_open (once per opening)
    int exitWindowMs = 5000;        // request-to-exit releases the lock and excuses an opening
    std::size_t maxPinDigits = 12;  // further digits are ignored
    // A keypad and no card reader (DoorSpec::keypadOnly): typing a code starts a session, sent
    // as a keypad step when Enter is pressed; codeEntryMs after the last key it is abandoned.
    bool keypadOnly = false;
    int codeEntryMs = 10000;
    // The first link counter after boot. Counters must never repeat for this panel, across
    // restarts too: a panel without persistent storage starts from its clock (the sim: Unix
    // time in microseconds), a real one from a counter it persists.
    std::uint64_t firstCounter = 1;
};

// --- inputs ----------------------------------------------------------------------------------
// What the reader reports: the legacy upper-case hex uid, or (format non-empty) the reader's
// format and raw data (protocol/card_format.hpp), which the controller decodes.
struct CardRead {
    std::string uid;
    std::string format{};
    std::string raw{};
};
struct KeypadDigit {
    char digit = '0';  // '0'..'9'; anything else is ignored
};
struct KeypadEnter {};
// The HAL matched the live finger against the template of the current challenge; nullopt when
// it could not (no template, box did not open, bad sample) and is sent as score 0.
struct FingerPlaced {
    std::optional<int> score;
};
// A reply on this panel's topic; `authentic` when its MAC verified under the panel key (the
// runner checks it through the HAL). The state machine checks the rest: the epoch, and that it
// answers the one outstanding request (session, step, counter).
struct ControllerReply {
    protocol::PanelReply reply;
    bool authentic = false;
};
// The controller's retained link announcement: a new epoch means it restarted.
struct LinkAnnounced {
    protocol::PanelLink link;
    bool authentic = false;
};
struct DoorPosition {
    bool open = false;
};
struct ExitRequest {};
struct TamperSwitch {
    bool active = true;
};
struct Tick {};  // only time passes
// ControllerCommand, LockFeedback, ReaderHealth: firmware/panel_commands.hpp.
using Input = std::variant<CardRead, KeypadDigit, KeypadEnter, FingerPlaced, ControllerReply,
                           LinkAnnounced, DoorPosition, ExitRequest, TamperSwitch, Tick,
                           ControllerCommand, LockFeedback, ReaderHealth>;

// --- outputs ---------------------------------------------------------------------------------
// Requests carry epoch and counter (and a pin/finger step the challenge's nonce); the runner
// adds a card step's fresh nonce and the MAC through the HAL.
struct SendRequest {
    protocol::PanelRequest request;  // card or finger step
};
// A PIN step: the HAL seals "<nonce>:<digits>" with the panel key into request's
// PinEntered::pinBox, binding the PIN to the challenge it answers. A keypad step (request.step
// holds KeypadCode) is sealed alike into codeBox, under the request's own fresh nonce.
struct SendPin {
    protocol::PanelRequest request;
    std::string digits;
};
// The event carries its counter; the runner signs it through the HAL.
struct SendEvent {
    protocol::PanelEvent event;
};
struct DriveLock {
    bool released = false;
    int ms = 0;  // with released: how long (the hardware may re-lock by itself after it)
};
enum class Screen { idle, checking, enterPin, placeFinger, granted, denied, enterCode };
struct Display {
    Screen screen = Screen::idle;
    std::string reason;  // with denied: the reason code (protocol::reason)
    int pinDigits = 0;   // with enterPin, enterCode: how many digits are typed (shown masked)
};
// An input that changed nothing, and why (a stale reply, a key press while idle, ...).
struct Ignored {
    std::string why;
};
// The answer to a command; the runner adds the MAC through the HAL.
struct SendAck {
    protocol::PanelAck ack;
};
using Output = std::variant<SendRequest, SendPin, SendEvent, DriveLock, Display, Ignored, SendAck>;

// --- state -----------------------------------------------------------------------------------
enum class Phase { idle, awaitingReply, awaitingPin, awaitingFinger, enteringCode };

struct PanelState {
    Phase phase = Phase::idle;
    std::uint64_t sessionCounter = 0;
    std::string session;          // current session, empty when idle
    std::int64_t deadlineMs = 0;  // when the current phase gives up
    std::string pinDigits;
    std::string templateBox;   // the current finger challenge's sealed template
    std::string templateBox2;  // its second finger's, when one is enrolled; scored best-of

    std::string linkEpoch;                 // the controller's current epoch; empty: no link yet
    std::uint64_t counter = 0;             // the last counter used (requests and events)
    std::uint64_t outstandingCounter = 0;  // the request a reply must answer (0: none)
    protocol::Factor outstandingStep = protocol::Factor::card;
    std::string challengeNonce;  // the nonce of the challenge being answered

    bool lockReleased = false;
    std::int64_t lockUntilMs = 0;
    std::string grantSession;       // the session whose grant released the lock (empty for exit)
    std::int64_t exitUntilMs = -1;  // request-to-exit window end; -1 = none yet

    bool doorOpen = false;
    std::int64_t openedAtMs = 0;
    std::string openSession;  // the granted session the current opening belongs to
    bool heldOpenReported = false;

    bool tamperActive = false;

    CommandState commands;  // commands, the deny list, lock and reader health (panel_commands)
};

struct StepResult {
    PanelState state;
    std::vector<Output> outputs;
};

// Expires whatever is due at nowMs, then applies the input.
StepResult step(const PanelConfig& config, PanelState state, const Input& input,
                std::int64_t nowMs);

// The earliest time a Tick would change something; nullopt when nothing is pending.
std::optional<std::int64_t> nextDeadline(const PanelConfig& config, const PanelState& state);

std::string_view toString(Screen screen);
// What the panel's screen says, in words.
std::string displayText(const Display& display);

}  // namespace sekimori::firmware
