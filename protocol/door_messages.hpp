#pragma once
// Payloads of the door flow (JSON objects, UTF-8), shared by the controller (doors/), our
// firmware (firmware/) and the simulators (sim/). docs/mqtt.md is the contract: every field,
// its type and range. Parsing is strict: a missing field, a wrong type, an out-of-range value
// or an unknown field is an error naming the field. Secrets never travel in clear: a PIN and a
// fingerprint template are sealed with the panel's own key (secretbox, base64).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/card_format.hpp"
#include "protocol/parsed.hpp"
#include "protocol/reason_codes.hpp"

namespace sekimori::protocol {

enum class DoorSide { entry, exit };  // entry: from the outer zone into the door's inner zone

// Limits of the authenticated link (docs/mqtt.md, "The authenticated link").
inline constexpr std::size_t kEpochHexChars = 32;                           // 16 random bytes
inline constexpr std::size_t kNonceHexChars = 32;                           // 16 random bytes
inline constexpr std::size_t kMacHexChars = 64;                             // HMAC-SHA-256
inline constexpr std::size_t kSigHexChars = 128;                            // Ed25519
inline constexpr std::uint64_t kMaxCounter = (std::uint64_t{1} << 53) - 1;  // exact in JSON

// What authenticates every request and reply. `mac` is the payload's last member and covers
// everything before it (protocol/panel_link_auth.hpp).
struct LinkAuth {
    std::string epoch;          // the controller's link epoch the sender believes current
    std::uint64_t counter = 0;  // 1..kMaxCounter; per panel, strictly increasing; a reply echoes
    std::string nonce;  // card step: the panel's fresh nonce; pin/finger step: the nonce of the
                        // challenge it answers; challenge: fresh; decision: the request's
    std::string mac;    // empty while encoding the body the MAC covers
};

// --- panel -> controller, topic .../request -------------------------------------------------
// Either the legacy upper-case hex UID alone (format empty), or the reader's format and its raw
// reading (protocol/card_format.hpp); the controller decodes the card id from them.
struct CardPresented {
    std::string cardUid;   // legacy: upper-case hex, 8..20 digits (FeliCa IDm / MIFARE UID)
    std::string format{};  // "felica", "mifare", "wiegand26", ...; empty: legacy cardUid
    std::string raw{};     // with format: hex digits or '0'/'1' bits, 1..kMaxCardRawChars
};
struct PinEntered {
    std::string pinBox;  // base64(secretbox(panel key, PIN digits))
};
// The first step at a keypad-only door: the code names the person.
struct KeypadCode {
    std::string codeBox;  // base64(secretbox(panel key, "<this request's nonce>:<digits>"))
};
struct FingerScored {
    int score = 0;  // 0..100: reader's 1:1 match of the live finger against the sent template
};
struct PanelRequest {
    std::string session;  // chosen by the panel when a card is presented; [a-z0-9-]{1,64}
    std::string door;
    DoorSide side = DoorSide::entry;
    std::variant<CardPresented, PinEntered, FingerScored, KeypadCode> step;
    LinkAuth auth;
};

// --- controller -> panel, topic .../reply ---------------------------------------------------
enum class Factor { card, pin, finger };
struct Challenge {
    Factor next = Factor::pin;  // pin or finger
    std::string templateBox;    // with next == finger: base64(secretbox(panel key, template))
    int timeoutMs = 0;          // the panel gives up (and the controller denies) after this
    // Optional, with next == finger: the second enrolled finger, sealed like templateBox; the
    // panel scores both and sends the better score.
    std::string templateBox2{};
};
struct Decision {
    bool granted = false;
    std::string reason;  // a code of protocol/reason_codes.hpp; "granted" exactly when granted
    int unlockMs = 0;    // with granted: how long the lock is released
    // Issue 15, optional (`weight_g`), only with granted at a circle gate: the person's enrolled
    // weight in grams (1..kMaxWeightG); the gate accepts a plate reading within its tolerance of
    // it. 0: absent (no weight enrolled: only the gate's own maximum applies).
    int weightG = 0;
};
struct PanelReply {
    std::string session;
    std::string door;
    Factor step = Factor::card;  // the step of the request this answers
    std::variant<Challenge, Decision> body;
    LinkAuth auth;
};

// --- panel -> controller, topic .../event ---------------------------------------------------
enum class DoorEventKind {
    opened,
    closed,
    forced,
    heldOpen,
    exitRequested,
    tamper,
    tamperCleared,
    // Issue 14 (docs/mqtt.md "Panel commands", fault reports): the lock and the readers.
    lockFault,
    lockFaultCleared,
    readerOffline,  // with `side`
    readerOnline,   // with `side`
    // Issue 15: offline panels (docs/mqtt.md "Offline operation"). A decision the panel made
    // from its local cache while the controller was unreachable: `session`, `side`, `card`,
    // `person` (empty: the card is not in the cache), `reason` (a reason code; "granted" exactly
    // with offlineGranted), `degraded` (the cache was past its staleness bound).
    offlineGranted,
    offlineDenied,
    // The journal passed its near-full mark (`pending`: entries not yet acknowledged), or was
    // full and `lost` reports could not be kept (sent once space returns).
    journalNearFull,
    journalOverflow,
    // Issue 15: circle gates (firmware/circle_gate.hpp, docs/mqtt.md "Circle gates"). Every gate
    // kind carries `presence` (the booth's occupancy count) and `weight_g` (the plate) as read
    // when it happened; `leaf` ("outer" | "inner") where a door leaf is meant.
    cycleStarted,      // `session`, `side`: the first leaf opened for a granted person
    cycleCompleted,    // `session`, `side`: the person left by the far leaf; both leaves shut
    cycleRefused,      // `session` (if any), `side`, `refusal`: the cycle was refused and undone
    gateObjectLeft,    // weight on the plate with nobody in the booth, the gate idle
    gateDoorStuck,     // `leaf`: a leaf did not reach the position it was driven to in time
    gateFireReleased,  // the fire input: both leaves released at once
    gateFireCleared,   // the fire input cleared; the gate waits for a guard to re-arm it
    gateRearmed,       // a guard's override (command rearm, or the key switch) re-armed it
    gatePowerLost,     // `leaf`-less: mains lost; each leaf went fail-safe or fail-secure
    gatePowerRestored,
};

// Issue 15: why a circle gate refused a cycle (PanelEvent::refusal, gate.cycle_refused).
enum class GateRefusal {
    tailgate,        // a second person entered behind the first while the entry leaf was open
    twoBodies,       // the occupancy sensor counted more than one person in the booth
    piggyback,       // one body counted, but the plate reads above the person's range
    underweight,     // the plate reads below the person's range (a body left outside the plate)
    returned,        // the person turned back and left by the leaf they came in by
    linger,          // the person stayed in the booth past the gate's cycle time-out
    doorStuck,       // a leaf did not close (or open) when driven
    controllerLost,  // no decision came while the person was in the booth
    denied,          // the inside step (the finger in the booth) was denied
};
struct PanelEvent {
    std::string door;
    DoorEventKind kind = DoorEventKind::opened;
    std::string session;             // optional: the granted session this opening belongs to
    std::uint64_t counter = 0;       // 1..kMaxCounter, from the panel's one counter: no replays
    std::string sig;                 // Ed25519 by the panel's own key over the report; empty while
                                     // encoding the report it covers
    std::optional<DoorSide> side{};  // reader_offline / reader_online only: which reader
    // Issue 15 (docs/mqtt.md "Offline operation"). Every event is kept in the panel's journal
    // before it is sent and carries its journal sequence (`seq`, 1..kMaxCounter, per panel, from 1,
    // gapless, never reused across restarts) and the panel's own clock (`occurred_us`, Unix µs,
    // 0..kMaxCounter) of when it happened. The controller acknowledges it (command event_ack)
    // only once stored; a resend carries the same seq, counter and signature.
    std::uint64_t seq = 0;
    std::int64_t occurredUs = 0;
    // offline_granted / offline_denied (also `side`, `session`):
    std::string card{};    // the canonical card id read
    std::string person{};  // the cache's person for it; empty when not in the cache
    std::string reason{};  // a reason code
    bool degraded = false;
    // journal_near_full: entries pending; journal_overflow: reports lost while full.
    std::uint64_t pending = 0;
    std::uint64_t lost = 0;
    // Circle gates (cycle_*, gate_*; with `side` on cycle_*):
    std::optional<int> presence{};  // 0..9, the occupancy sensor's count
    std::optional<int> weightG{};   // 0..kMaxWeightG, the plate
    std::string leaf{};  // "outer" | "inner" (gate_door_stuck; cycle_refused: door_stuck)
    std::optional<GateRefusal> refusal{};  // cycle_refused only
};
inline constexpr int kMaxWeightG = 1'000'000;  // 1,000 kg: anything above is a sensor fault

// --- controller -> panel, topic .../link (retained; a fresh epoch on every controller start) --
struct PanelLink {
    std::string epoch;
    std::string mac;
};

// --- panel -> all, topic .../status (retained; the last will says offline) -----------------
struct PanelStatus {
    bool online = false;
    std::string firmware;  // version string, may be empty in the last will
    // Issue 15, optional: the panel's sync state as of this status (also re-published every
    // 30 s while online). `journal_pending` entries not yet acknowledged; `cache_version` the
    // newest cache version it applied (0: empty cache).
    std::optional<std::uint64_t> journalPending{};
    std::optional<std::uint64_t> cacheVersion{};
};

// Limits the codec enforces (docs/mqtt.md).
inline constexpr std::size_t kMaxPayloadBytes = 4096;  // larger payloads are refused unparsed
inline constexpr int kMaxChallengeTimeoutMs = 300'000;
inline constexpr int kMaxUnlockMs = 600'000;
inline constexpr std::size_t kMaxCardFormatChars = 16;  // [a-z0-9]; the decoder knows the names

std::string_view toString(DoorSide side);
std::string_view toString(Factor factor);
std::string_view toString(DoorEventKind kind);
std::string_view toString(GateRefusal refusal);  // "tailgate", "two_bodies", ... (snake_case)

std::string encode(const PanelRequest& message);
std::string encode(const PanelReply& message);
std::string encode(const PanelEvent& message);
std::string encode(const PanelStatus& message);
std::string encode(const PanelLink& message);
// The exact bytes a MAC or signature covers: the message without its mac (sig) member.
std::string encodeBody(const PanelRequest& message);
std::string encodeBody(const PanelReply& message);
std::string encodeBody(const PanelLink& message);
std::string encodeReport(const PanelEvent& message);

Parsed<PanelRequest> parsePanelRequest(std::string_view json);
Parsed<PanelReply> parsePanelReply(std::string_view json);
Parsed<PanelEvent> parsePanelEvent(std::string_view json);
Parsed<PanelStatus> parsePanelStatus(std::string_view json);
Parsed<PanelLink> parsePanelLink(std::string_view json);

}  // namespace sekimori::protocol
