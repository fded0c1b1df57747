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

#include "protocol/reason_codes.hpp"

namespace sekimori::protocol {

// protocol/ includes nothing of ours, so it carries its own small result type.
template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;  // names the field and what was wrong when value is empty
    explicit operator bool() const { return value.has_value(); }
};

enum class DoorSide { entry, exit };  // entry: from the outer zone into the door's inner zone

// --- panel -> controller, topic .../request -------------------------------------------------
struct CardPresented {
    std::string cardUid;  // upper-case hex, 8..20 digits (FeliCa IDm / MIFARE UID)
};
struct PinEntered {
    std::string pinBox;  // base64(secretbox(panel key, PIN digits))
};
struct FingerScored {
    int score = 0;  // 0..100: reader's 1:1 match of the live finger against the sent template
};
struct PanelRequest {
    std::string session;  // chosen by the panel when a card is presented; [a-z0-9-]{1,64}
    std::string door;
    DoorSide side = DoorSide::entry;
    std::variant<CardPresented, PinEntered, FingerScored> step;
};

// --- controller -> panel, topic .../reply ---------------------------------------------------
enum class Factor { card, pin, finger };
struct Challenge {
    Factor next = Factor::pin;  // pin or finger
    std::string templateBox;    // with next == finger: base64(secretbox(panel key, template))
    int timeoutMs = 0;          // the panel gives up (and the controller denies) after this
};
struct Decision {
    bool granted = false;
    std::string reason;  // a code of protocol/reason_codes.hpp; "granted" exactly when granted
    int unlockMs = 0;    // with granted: how long the lock is released
};
struct PanelReply {
    std::string session;
    std::string door;
    std::variant<Challenge, Decision> body;
};

// --- panel -> controller, topic .../event ---------------------------------------------------
enum class DoorEventKind { opened, closed, forced, heldOpen, exitRequested, tamper, tamperCleared };
struct PanelEvent {
    std::string door;
    DoorEventKind kind = DoorEventKind::opened;
    std::string session;  // optional: the granted session this opening belongs to
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

std::string_view toString(DoorSide side);
std::string_view toString(Factor factor);
std::string_view toString(DoorEventKind kind);

std::string encode(const PanelRequest& message);
std::string encode(const PanelReply& message);
std::string encode(const PanelEvent& message);
std::string encode(const PanelStatus& message);

Parsed<PanelRequest> parsePanelRequest(std::string_view json);
Parsed<PanelReply> parsePanelReply(std::string_view json);
Parsed<PanelEvent> parsePanelEvent(std::string_view json);
Parsed<PanelStatus> parsePanelStatus(std::string_view json);

}  // namespace sekimori::protocol
