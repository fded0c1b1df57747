#pragma once
// The circle gate (a one-person airlock booth) as a pure state machine, in the style of
// door_panel.hpp: step(config, state, input, nowMs) returns the next state and what the hardware
// should do; nextDeadline() says when to tick. No I/O, no clock. CircleGateRunner
// (circle_gate_runner.hpp) carries the outputs out through the HAL. docs/circle-gates.md,
// "The cycle", is the written rule; tests/firmware/circle_gate_test.cpp checks it as tables.
//
// Two motorised leaves: the outer one on the from-zone side, the inner one on the to-zone side.
// An entry cycle starts at the outer reader and leaves by the inner leaf; an exit cycle mirrors
// it (inner reader, out by the outer leaf). The leaf a cycle comes in by is its "entry leaf", the
// other its "far leaf". The interlock, held here whatever the controller says: a leaf is released
// only while the other is driven locked and reports closed, except a fire release (both at once)
// and a power loss (each leaf as its fail-safe / fail-secure wiring makes it).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "firmware/door_panel.hpp"
#include "firmware/offline_cache.hpp"
#include "firmware/panel_commands.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::firmware::gate {

enum class Leaf { outer, inner };
// The readers: outside the outer leaf, outside the inner leaf, and inside the booth (where the
// finger is taken).
enum class Reader { outer, inner, booth };

struct GateConfig {
    std::string site;           // bound into every MAC and signature
    std::string panel;          // the gate controller's panel id
    std::string gate;           // the gate's door id (requests, replies and events name it)
    std::string sessionPrefix;  // random per boot ([a-z0-9]{1,40}); sessions are "<prefix>-<n>"
    std::uint64_t firstCounter = 1;  // as PanelConfig::firstCounter: never repeats across boots
    int replyTimeoutMs = 5000;       // no reply within this: controller_error outside,
                                     // controller_lost (or an offline decision) in the booth
    int leafMoveMs = 4000;       // a driven leaf must leave (reach) its closed position within this
    int enterMs = 10000;         // the entry leaf open: the person must step in within this
    int closeDelayMs = 1500;     // a leaf closes this long after the body crossed it
    int settleMs = 1000;         // the entry leaf shut: readings settle this long before the checks
    int cycleTimeoutMs = 60000;  // from the entry leaf shut until the far leaf is crossed: linger
    int weightTolerancePct = 15;  // the plate may read the granted weight_g +- this
    int maxWeightG = 200'000;     // above this the plate never passes (piggyback)
    int objectThresholdG = 2000;  // at or above this with nobody in the booth: an object
    bool outerFailSafe = true;    // power lost: released (fail-safe) or locked (fail-secure)
    bool innerFailSafe = false;
    bool freeExit = false;  // ExitRequest on the inner side starts an exit cycle without asking
    std::size_t maxPinDigits = 12;
    int utcOffsetMinutes = 0;  // the site's offset from UTC, for the offline cache's windows
};

// --- inputs ----------------------------------------------------------------------------------
// A card at one of the readers (the booth reader reads no card). uid / format / raw as
// firmware::CardRead.
struct CardRead {
    Reader reader = Reader::outer;
    std::string uid;
    std::string format{};
    std::string raw{};
};
// The keypad of the reader the session started at.
struct KeypadDigit {
    Reader reader = Reader::outer;
    char digit = '0';
};
struct KeypadEnter {
    Reader reader = Reader::outer;
};
// The booth reader matched the live finger against the challenge's template (the runner asks the
// HAL); nullopt when it could not, sent as score 0.
struct FingerPlaced {
    std::optional<int> score;
};
// A leaf's closed-and-locked sensor. At boot the machine knows nothing: the HAL reports both
// leaves (and presence, weight, fire, power) once at start, and on every change after.
struct LeafPosition {
    Leaf leaf = Leaf::outer;
    bool closed = true;
};
// A body crossed a leaf's light curtain: inward (into the booth) or out of it.
struct BodyCrossed {
    Leaf leaf = Leaf::outer;
    bool inward = true;
};
// The overhead occupancy sensor's count of bodies in the booth (0..9).
struct Presence {
    int count = 0;
};
// The weight plate, grams (0..protocol::kMaxWeightG).
struct Weight {
    int grams = 0;
};
struct FireInput {
    bool active = true;
};
struct PowerInput {
    bool on = true;
};
// The guard's key switch turned to re-arm (the same as command gate_rearm).
struct RearmKey {};
// The booth's "go back" button: the person gives up and is let out by the entry leaf.
struct ReturnButton {};
// The exit button on the inner side (only with GateConfig::freeExit).
struct ExitRequest {};
// The MQTT link's state (the runner feeds it from the client's callbacks).
struct LinkStatus {
    bool connected = false;
};
// The panel's wall clock (Unix ms); events carry occurred_us from the last one plus the
// monotonic time since.
struct WallClock {
    std::int64_t unixMs = 0;
};
// ControllerReply, LinkAnnounced, Tick and the offline inputs (OfflinePinResult, CacheRestored,
// JournalLevel): firmware/door_panel.hpp; ControllerCommand: firmware/panel_commands.hpp
// (gate_rearm, revoke/restore, event_ack, the cache commands; remote unlock is refused).
using firmware::CacheRestored;
using firmware::ControllerCommand;
using firmware::ControllerReply;
using firmware::JournalLevel;
using firmware::LinkAnnounced;
using firmware::OfflinePinResult;
using firmware::Tick;
using Input = std::variant<CardRead, KeypadDigit, KeypadEnter, FingerPlaced, ControllerReply,
                           LinkAnnounced, LeafPosition, BodyCrossed, Presence, Weight, FireInput,
                           PowerInput, RearmKey, ReturnButton, ExitRequest, LinkStatus, WallClock,
                           Tick, ControllerCommand, OfflinePinResult, CacheRestored, JournalLevel>;

// --- outputs ---------------------------------------------------------------------------------
// SendRequest, SendPin, SendEvent, SendAck, Ignored, VerifyOfflinePin, CacheChanged: as
// firmware/door_panel.hpp (the runner seals, MACs, journals, signs, hashes and stores them alike).
using firmware::CacheChanged;
using firmware::Ignored;
using firmware::SendAck;
using firmware::SendEvent;
using firmware::SendPin;
using firmware::SendRequest;
using firmware::VerifyOfflinePin;
// released: the leaf's lock lets go and its operator opens it; !released: the operator closes
// it and the lock engages as it shuts.
struct DriveLeaf {
    Leaf leaf = Leaf::outer;
    bool released = false;
};
enum class Screen {
    idle,          // "Present card"
    checking,      // "Please wait"
    enterPin,      // "Enter PIN ***"
    placeFinger,   // booth: "Place finger"
    enter,         // "Please enter" (the entry leaf is open)
    proceed,       // booth: "Please proceed" (the far leaf is open)
    denied,        // reason: a reason code (protocol::reason)
    refused,       // reason: the refusal (protocol::toString(GateRefusal)); "Please go back"
    busy,          // the booth is in use, occupied, or a leaf is not shut
    fireRelease,   // "Fire: gate released"
    outOfService,  // awaiting a guard's re-arm, or power lost
};
struct Display {
    Reader reader = Reader::outer;
    Screen screen = Screen::idle;
    std::string reason{};
    int pinDigits = 0;
};
// The controller acknowledged the journal up to seq (command event_ack): the runner drops them.
struct AckJournal {
    std::uint64_t seq = 0;
};
using Output = std::variant<SendRequest, SendPin, SendEvent, SendAck, DriveLeaf, Display, Ignored,
                            AckJournal, VerifyOfflinePin, CacheChanged>;

// --- state -----------------------------------------------------------------------------------
enum class Phase {
    idle,
    awaitingReply,     // outside: a card (or PIN) request is out
    awaitingPin,       // outside: the controller (or, offline, the cache) asks for the PIN
    checkingPin,       // outside, offline: waiting for the HAL's hash of the typed PIN
    openingEntry,      // the entry leaf is driven released; it must leave closed in leafMoveMs
    awaitingEntry,     // the entry leaf is open: the person steps in (then it closes after a delay)
    closingEntry,      // the entry leaf is driven locked; it must report closed in leafMoveMs
    settling,          // both leaves shut: readings settle, then the checks
    awaitingFinger,    // booth: one body, the checks passed; the finger is asked for
    awaitingDecision,  // booth: the finger request is out
    openingFar,        // the far leaf is driven released
    awaitingExit,      // the far leaf is open: the person leaves (then it closes after a delay)
    closingFar,        // the far leaf is driven locked
    // A refused cycle: the far leaf is shut (driven locked and confirmed closed), then the entry
    // leaf lets the person back out, and closes once the booth is empty.
    returnClosingFar,
    returnOpening,
    returnAwaitingLeave,
    returnClosing,
};

struct LeafState {
    bool released = false;       // as last driven
    bool closed = false;         // as last reported; false until the first report
    bool stuckReported = false;  // gate_door_stuck sent for this leaf's current fault
};

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

struct GateState {
    Phase phase = Phase::idle;
    // When the current phase gives up or moves on (a leaf closes after its delay); kNever: not.
    std::int64_t phaseDeadlineMs = 0;
    std::int64_t cycleDeadlineMs = 0;  // linger: from the entry leaf shut (0: not running)

    // The cycle.
    std::uint64_t sessionCounter = 0;
    std::string session;
    protocol::DoorSide side = protocol::DoorSide::entry;  // entry: in by the outer leaf
    bool freeExitCycle = false;  // an ExitRequest cycle: no controller, no finger
    bool decided = false;        // a granted decision came (the factors ended before the finger)
    int grantedWeightG = 0;      // its weight_g (0: none enrolled)
    int entriesCounted = 0;      // inward crossings of the entry leaf this cycle
    bool farCrossed = false;     // the person crossed the far leaf outward
    std::optional<protocol::GateRefusal> refusal;  // set while a refused cycle returns

    // The factors (as PanelState).
    std::string pinDigits;
    std::string templateBox;
    std::string templateBox2;
    std::string challengeNonce;
    std::string linkEpoch;
    std::uint64_t counter = 0;
    std::uint64_t outstandingCounter = 0;
    protocol::Factor outstandingStep = protocol::Factor::card;
    bool linkConnected = true;

    // The hardware as reported and driven.
    LeafState outer;
    LeafState inner;
    int presence = 0;
    int weightG = 0;
    std::int64_t objectSinceMs = -1;  // idle, empty booth, weight on the plate since (-1: no)
    bool objectReported = false;
    bool fireActive = false;
    bool fireReleased = false;  // both leaves released for fire; stays until a re-arm
    bool powerLost = false;

    std::int64_t wallOffsetMs = 0;  // Unix ms minus monotonic ms, from the last WallClock

    CommandState commands;  // command counter and the local deny list (panel_commands)

    // Offline (docs/circle-gates.md, "Offline"): the same cache and rules as a door panel's.
    OfflineCache cache;
    bool wallClockKnown = false;    // a WallClock came: offline windows and validity can be judged
    bool controllerSilent = false;  // a reply timed out; ends with an authentic reply or link
    bool journalFull = false;
    bool offline = false;  // the current cycle is decided from the cache
    OfflineSession offlineSession;
    std::optional<TwoPersonPending> twoPerson;
    std::string sessionCard;         // the session's card, canonical ("" for a free exit)
    bool factorsVerified = false;    // the controller asked for the finger: card and PIN passed
    std::optional<int> fingerScore;  // the finger's score as it went to the controller
};

struct StepResult {
    GateState state;
    std::vector<Output> outputs;
};

// Expires whatever is due at nowMs, then applies the input.
StepResult step(const GateConfig& config, GateState state, const Input& input, std::int64_t nowMs);

// The earliest time a Tick would change something; nullopt when nothing is pending.
std::optional<std::int64_t> nextDeadline(const GateConfig& config, const GateState& state);

std::string_view toString(Leaf leaf);      // "outer" | "inner"
std::string_view toString(Reader reader);  // "outer" | "inner" | "booth"
std::string_view toString(Screen screen);  // snake_case
std::string_view toString(Phase phase);    // snake_case
// What a reader's screen says, in words.
std::string displayText(const Display& display);

}  // namespace sekimori::firmware::gate
