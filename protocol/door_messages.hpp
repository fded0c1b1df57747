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
};
struct PanelEvent {
    std::string door;
    DoorEventKind kind = DoorEventKind::opened;
    std::string session;             // optional: the granted session this opening belongs to
    std::uint64_t counter = 0;       // 1..kMaxCounter, from the panel's one counter: no replays
    std::string sig;                 // Ed25519 by the panel's own key over the report; empty while
                                     // encoding the report it covers
    std::optional<DoorSide> side{};  // reader_offline / reader_online only: which reader
};

// --- controller -> panel, topic .../link (retained; a fresh epoch on every controller start) --
struct PanelLink {
    std::string epoch;
    std::string mac;
};

// --- panel -> all, topic .../status (retained; the last will says offline) -----------------
struct PanelStatus {
    bool online = false;
    std::string firmware;  // version string, may be empty in the last will
};

// Limits the codec enforces (docs/mqtt.md).
inline constexpr std::size_t kMaxPayloadBytes = 4096;  // larger payloads are refused unparsed
inline constexpr int kMaxChallengeTimeoutMs = 300'000;
inline constexpr int kMaxUnlockMs = 600'000;
inline constexpr std::size_t kMaxCardFormatChars = 16;  // [a-z0-9]; the decoder knows the names

std::string_view toString(DoorSide side);
std::string_view toString(Factor factor);
std::string_view toString(DoorEventKind kind);

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
