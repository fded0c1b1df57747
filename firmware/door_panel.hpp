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

#include "firmware/offline_cache.hpp"
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
    // The site's offset from UTC, for the offline cache's weekly windows (docs/offline.md).
    int utcOffsetMinutes = 0;
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
// Issue 15 (docs/offline.md, "Deciding offline").
// The MQTT link to the broker went down (or up again). Down, the panel decides from its offline
// cache; up again, it asks the controller once more (a silent controller stays silent until an
// authentic reply or link announcement).
struct LinkStatus {
    bool connected = true;
};
// The panel's wall clock (Unix ms) as of the step's nowMs: offline validity and weekly windows,
// and every event's occurred_us. Until the first one the panel cannot decide offline.
struct WallClock {
    std::int64_t unixMs = 0;
};
// The HAL's offlinePinHash(person, digits) for the VerifyOfflinePin just asked; nullopt: it could
// not compute one (refused wrong_pin).
struct OfflinePinResult {
    std::optional<std::string> hash;
};
// The cache read back at boot (hal.loadCache()): nullopt when none was stored. Stale until the
// first cache_sync at its version.
struct CacheRestored {
    std::optional<std::string> bytes;
};
// The journal's fill (firmware/panel_journal): at capacity it is full.
struct JournalLevel {
    std::uint64_t pending = 0;
    std::uint64_t capacity = 0;
};
// ControllerCommand, LockFeedback, ReaderHealth: firmware/panel_commands.hpp.
using Input = std::variant<CardRead, KeypadDigit, KeypadEnter, FingerPlaced, ControllerReply,
                           LinkAnnounced, DoorPosition, ExitRequest, TamperSwitch, Tick,
                           ControllerCommand, LockFeedback, ReaderHealth, LinkStatus, WallClock,
                           OfflinePinResult, CacheRestored, JournalLevel>;

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
// Issue 15. Offline, a PIN is checked against the cache: the runner asks the HAL for
// offlinePinHash(person, digits) and feeds the answer back as OfflinePinResult at once. The clear
// digits go no further than the runner.
struct VerifyOfflinePin {
    std::string person;
    std::string digits;
};
// An authentic event_ack: the journal may drop every entry up to seq.
struct AckJournal {
    std::uint64_t seq = 0;
};
// The offline cache changed: the runner persists `bytes` (OfflineCache::encode) through the HAL,
// which encrypts them.
struct CacheChanged {
    std::string bytes;
};
using Output = std::variant<SendRequest, SendPin, SendEvent, DriveLock, Display, Ignored, SendAck,
                            VerifyOfflinePin, AckJournal, CacheChanged>;

// --- state -----------------------------------------------------------------------------------
// checkingPin: offline, waiting for the HAL's hash of the typed PIN (OfflinePinResult).
enum class Phase { idle, awaitingReply, awaitingPin, awaitingFinger, enteringCode, checkingPin };

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

    // Issue 15: offline decisions (docs/offline.md, "Deciding offline").
    std::string sessionCard;        // the current session's canonical card id (empty: keypad)
    bool linkConnected = true;      // as the last LinkStatus said (up until told otherwise)
    bool controllerSilent = false;  // a reply timed out; ends with an authentic reply or link
    std::optional<std::int64_t> wallOffsetMs;  // Unix ms - nowMs, from the last WallClock
    bool journalFull = false;                  // from the last JournalLevel
    OfflineCache cache;
    bool offline = false;  // the current session is decided from the cache
    OfflineSession offlineSession;
    std::optional<TwoPersonPending> twoPerson;  // offline: the first of a pair, waiting
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

// Whether the panel is offline: link down, controller silent, or no link epoch yet. A card read
// then is decided from the cache when it can be (a policy synced and the wall clock set).
bool offlineMode(const PanelState& state);

std::string_view toString(Screen screen);
// What the panel's screen says, in words.
std::string displayText(const Display& display);

}  // namespace sekimori::firmware
