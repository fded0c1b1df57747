#include "protocol/door_messages.hpp"

#include <algorithm>
#include <array>

#include "protocol/ids.hpp"
#include "protocol/json_fields.hpp"
#include "protocol/panel_link_auth.hpp"

namespace sekimori::protocol {

namespace {

constexpr std::size_t kMaxSessionChars = 64;
constexpr std::size_t kMaxFirmwareChars = 64;
constexpr std::size_t kSealOverhead = 24 + 16;  // secretbox nonce + MAC
constexpr std::size_t kMaxPinBoxBytes = kSealOverhead + 56;
constexpr std::size_t kMaxTemplateBoxBytes = kSealOverhead + 2008;

std::optional<Json> parseObject(std::string_view text, std::string& error) {
    return parseStrictObject(text, kMaxPayloadBytes, error);
}

std::string dump(const Json& json) {
    return dumpCompact(json);
}

bool isSessionId(std::string_view id) {
    if (id.empty() || id.size() > kMaxSessionChars) {
        return false;
    }
    for (char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

bool isCardUid(std::string_view uid) {
    if (uid.size() < 8 || uid.size() > 20 || uid.size() % 2 != 0) {
        return false;
    }
    for (char c : uid) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

bool isCardFormatWord(std::string_view word) {
    if (word.empty() || word.size() > kMaxCardFormatChars) {
        return false;
    }
    return std::all_of(word.begin(), word.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool isCardData(std::string_view data) {
    if (data.empty() || data.size() > kMaxCardRawChars) {
        return false;
    }
    return std::all_of(data.begin(), data.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    });
}

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

// Canonical standard base64 with padding (what libsodium's ORIGINAL variant accepts) whose
// decoded size is within [minBytes, maxBytes].
bool isBase64Box(std::string_view text, std::size_t minBytes, std::size_t maxBytes) {
    if (text.empty() || text.size() % 4 != 0) {
        return false;
    }
    std::size_t pad = 0;
    while (pad < 2 && text[text.size() - 1 - pad] == '=') {
        ++pad;
    }
    const std::string_view data = text.substr(0, text.size() - pad);
    for (char c : data) {
        if (base64Value(c) < 0) {
            return false;
        }
    }
    // The bits past the last whole byte must be zero, or decoders disagree.
    const int last = base64Value(data.back());
    if ((pad == 1 && (last & 0x3) != 0) || (pad == 2 && (last & 0xf) != 0)) {
        return false;
    }
    const std::size_t bytes = text.size() / 4 * 3 - pad;
    return bytes >= minBytes && bytes <= maxBytes;
}

bool isPrintableAscii(std::string_view text) {
    for (char c : text) {
        if (c < 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

std::string boxRangeText(std::size_t maxBytes) {
    return "must be base64 of a sealed box (" + std::to_string(kSealOverhead + 1) + ".." +
           std::to_string(maxBytes) + " bytes)";
}

void readSession(FieldReader& reader, std::string& out, bool optional = false) {
    if (optional && !reader.has("session")) {
        return;
    }
    out = reader.string("session");
    if (reader.ok() && !isSessionId(out)) {
        reader.fail("session", "must be 1..64 of [a-z0-9-]");
    }
}

void readDoor(FieldReader& reader, std::string& out) {
    out = reader.string("door");
    if (reader.ok() && !isValidId(out)) {
        reader.fail("door", "must be an id (1..64 of [a-z0-9_-])");
    }
}

bool isLowerHex(std::string_view text, std::size_t chars) {
    if (text.size() != chars) {
        return false;
    }
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

void readHex(FieldReader& reader, std::string_view field, std::size_t chars, std::string& out) {
    out = reader.string(field);
    if (reader.ok() && !isLowerHex(out, chars)) {
        reader.fail(field, "must be " + std::to_string(chars) + " lower-case hex digits");
    }
}

// 1..kMaxCounter: FieldReader's integers are int-sized, so the counter is read here.
std::uint64_t readCounter(FieldReader& reader, const Json& json) {
    if (!reader.ok()) {
        return 0;
    }
    const auto it = json.find("counter");
    if (it == json.end()) {
        reader.fail("counter", "missing");
        return 0;
    }
    if (!it->is_number_unsigned() && !it->is_number_integer()) {
        reader.fail("counter", "must be an integer");
        return 0;
    }
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 ||
        it->get<std::uint64_t>() > kMaxCounter) {
        reader.fail("counter", "out of range 1..2^53-1");
        return 0;
    }
    return it->get<std::uint64_t>();
}

void readAuth(FieldReader& reader, const Json& json, LinkAuth& auth) {
    readHex(reader, "epoch", kEpochHexChars, auth.epoch);
    auth.counter = readCounter(reader, json);
    readHex(reader, "nonce", kNonceHexChars, auth.nonce);
    readHex(reader, "mac", kMacHexChars, auth.mac);
}

void writeAuth(Json& json, const LinkAuth& auth) {
    json["epoch"] = auth.epoch;
    json["counter"] = auth.counter;
    json["nonce"] = auth.nonce;
}

std::string withMac(const std::string& body, const std::string& mac) {
    return mac.empty() ? body : appendMember(body, "mac", mac);
}

template <class T>
Parsed<T> finish(const FieldReader& reader, T value) {
    if (!reader.ok()) {
        return Parsed<T>{std::nullopt, reader.error()};
    }
    return Parsed<T>{std::move(value), {}};
}

template <class T>
Parsed<T> failure(std::string error) {
    return Parsed<T>{std::nullopt, std::move(error)};
}

constexpr std::array kEventKinds = {
    DoorEventKind::opened,
    DoorEventKind::closed,
    DoorEventKind::forced,
    DoorEventKind::heldOpen,
    DoorEventKind::exitRequested,
    DoorEventKind::tamper,
    DoorEventKind::tamperCleared,
    DoorEventKind::lockFault,
    DoorEventKind::lockFaultCleared,
    DoorEventKind::readerOffline,
    DoorEventKind::readerOnline,
    DoorEventKind::offlineGranted,
    DoorEventKind::offlineDenied,
    DoorEventKind::journalNearFull,
    DoorEventKind::journalOverflow,
    DoorEventKind::cycleStarted,
    DoorEventKind::cycleCompleted,
    DoorEventKind::cycleRefused,
    DoorEventKind::gateObjectLeft,
    DoorEventKind::gateDoorStuck,
    DoorEventKind::gateFireReleased,
    DoorEventKind::gateFireCleared,
    DoorEventKind::gateRearmed,
    DoorEventKind::gatePowerLost,
    DoorEventKind::gatePowerRestored,
};

constexpr std::array kGateRefusals = {
    GateRefusal::tailgate,    GateRefusal::twoBodies,      GateRefusal::piggyback,
    GateRefusal::underweight, GateRefusal::returned,       GateRefusal::linger,
    GateRefusal::doorStuck,   GateRefusal::controllerLost, GateRefusal::denied,
};

bool isReaderKind(DoorEventKind kind) {
    return kind == DoorEventKind::readerOffline || kind == DoorEventKind::readerOnline;
}

bool isOfflineDecision(DoorEventKind kind) {
    return kind == DoorEventKind::offlineGranted || kind == DoorEventKind::offlineDenied;
}

bool isCycleKind(DoorEventKind kind) {
    return kind == DoorEventKind::cycleStarted || kind == DoorEventKind::cycleCompleted ||
           kind == DoorEventKind::cycleRefused;
}

// Every circle-gate kind carries the booth's readings (presence, weight_g).
bool isGateKind(DoorEventKind kind) {
    switch (kind) {
        case DoorEventKind::cycleStarted:
        case DoorEventKind::cycleCompleted:
        case DoorEventKind::cycleRefused:
        case DoorEventKind::gateObjectLeft:
        case DoorEventKind::gateDoorStuck:
        case DoorEventKind::gateFireReleased:
        case DoorEventKind::gateFireCleared:
        case DoorEventKind::gateRearmed:
        case DoorEventKind::gatePowerLost:
        case DoorEventKind::gatePowerRestored:
            return true;
        default:
            return false;
    }
}

// Which kinds carry `side`: the reader reports, the offline decisions and the gate's cycles.
bool hasSide(DoorEventKind kind) {
    return isReaderKind(kind) || isOfflineDecision(kind) || isCycleKind(kind);
}

// An unsigned integer field lo..hi (FieldReader's integers are int-sized). Absent: `absent`
// when it is optional, else a failure.
std::optional<std::uint64_t> readUnsigned(FieldReader& reader, const Json& json,
                                          std::string_view field, std::uint64_t lo,
                                          std::uint64_t hi, bool optional = false) {
    if (!reader.ok()) {
        return std::nullopt;
    }
    const auto it = json.find(field);
    if (it == json.end()) {
        if (!optional) {
            reader.fail(field, "missing");
        }
        return std::nullopt;
    }
    const std::string range = "out of range " + std::to_string(lo) + ".." +
                              (hi == kMaxCounter ? std::string("2^53-1") : std::to_string(hi));
    if (it->is_number_integer() && !it->is_number_unsigned()) {
        if (it->get<std::int64_t>() < 0) {
            reader.fail(field, range);
            return std::nullopt;
        }
    } else if (!it->is_number_unsigned()) {
        reader.fail(field, "must be an integer");
        return std::nullopt;
    }
    const auto value = it->get<std::uint64_t>();
    if (value < lo || value > hi) {
        reader.fail(field, range);
        return std::nullopt;
    }
    return value;
}

// The fields only some kinds carry (docs/mqtt.md "Offline operation", "Circle gates"): required
// where the kind has them, refused where it does not.
void readKindFields(FieldReader& reader, const Json& json, PanelEvent& out) {
    const auto refuseUnless = [&](bool allowed, std::string_view field) {
        if (reader.ok() && !allowed && reader.has(field)) {
            reader.fail(field, "not allowed with event " + std::string(toString(out.kind)));
        }
    };
    const bool offline = isOfflineDecision(out.kind);
    const bool gate = isGateKind(out.kind);
    refuseUnless(offline, "card");
    refuseUnless(offline, "person");
    refuseUnless(offline, "reason");
    refuseUnless(offline, "degraded");
    refuseUnless(out.kind == DoorEventKind::journalNearFull, "pending");
    refuseUnless(out.kind == DoorEventKind::journalOverflow, "lost");
    refuseUnless(gate, "presence");
    refuseUnless(gate, "weight_g");
    refuseUnless(
        out.kind == DoorEventKind::gateDoorStuck || out.kind == DoorEventKind::cycleRefused,
        "leaf");
    refuseUnless(out.kind == DoorEventKind::cycleRefused, "refusal");
    if (!reader.ok()) {
        return;
    }
    if (offline) {
        out.card = reader.string("card");
        if (reader.ok() && !isCanonicalCardId(out.card)) {
            reader.fail("card", "must be a canonical card id");
        }
        if (reader.ok() && reader.has("person")) {
            out.person = reader.string("person");
            if (reader.ok() && !isValidId(out.person)) {
                reader.fail("person", "must be an id (1..64 of [a-z0-9_-])");
            }
        }
        out.reason = reader.string("reason");
        if (reader.ok() && !isReasonCode(out.reason)) {
            reader.fail("reason", "unknown reason code");
        }
        const bool granted = out.kind == DoorEventKind::offlineGranted;
        if (reader.ok() && (out.reason == reason::granted) != granted) {
            reader.fail("reason", granted ? "must be \"granted\" with offline_granted"
                                          : "must not be \"granted\" with offline_denied");
        }
        out.degraded = reader.boolean("degraded");
    } else if (out.kind == DoorEventKind::journalNearFull) {
        out.pending = readUnsigned(reader, json, "pending", 0, kMaxCounter).value_or(0);
    } else if (out.kind == DoorEventKind::journalOverflow) {
        out.lost = readUnsigned(reader, json, "lost", 1, kMaxCounter).value_or(0);
    } else if (gate) {
        out.presence = reader.integer("presence", 0, 9);
        out.weightG = reader.integer("weight_g", 0, kMaxWeightG);
        const bool leafRequired = out.kind == DoorEventKind::gateDoorStuck;
        if (reader.ok() && (leafRequired || reader.has("leaf"))) {
            out.leaf = reader.string("leaf");
            if (reader.ok() && out.leaf != "outer" && out.leaf != "inner") {
                reader.fail("leaf", "must be \"outer\" or \"inner\"");
            }
        }
        if (reader.ok() && out.kind == DoorEventKind::cycleRefused) {
            const std::string refusal = reader.string("refusal");
            for (auto candidate : kGateRefusals) {
                if (refusal == toString(candidate)) {
                    out.refusal = candidate;
                }
            }
            if (reader.ok() && !out.refusal) {
                reader.fail("refusal", "unknown gate refusal");
            }
        }
    }
}

}  // namespace

std::string_view toString(DoorSide side) {
    switch (side) {
        case DoorSide::entry:
            return "entry";
        case DoorSide::exit:
            return "exit";
    }
    return "";
}

std::string_view toString(Factor factor) {
    switch (factor) {
        case Factor::card:
            return "card";
        case Factor::pin:
            return "pin";
        case Factor::finger:
            return "finger";
    }
    return "";
}

std::string_view toString(DoorEventKind kind) {
    switch (kind) {
        case DoorEventKind::opened:
            return "opened";
        case DoorEventKind::closed:
            return "closed";
        case DoorEventKind::forced:
            return "forced";
        case DoorEventKind::heldOpen:
            return "held_open";
        case DoorEventKind::exitRequested:
            return "exit_requested";
        case DoorEventKind::tamper:
            return "tamper";
        case DoorEventKind::tamperCleared:
            return "tamper_cleared";
        case DoorEventKind::lockFault:
            return "lock_fault";
        case DoorEventKind::lockFaultCleared:
            return "lock_fault_cleared";
        case DoorEventKind::readerOffline:
            return "reader_offline";
        case DoorEventKind::readerOnline:
            return "reader_online";
        case DoorEventKind::offlineGranted:
            return "offline_granted";
        case DoorEventKind::offlineDenied:
            return "offline_denied";
        case DoorEventKind::journalNearFull:
            return "journal_near_full";
        case DoorEventKind::journalOverflow:
            return "journal_overflow";
        case DoorEventKind::cycleStarted:
            return "cycle_started";
        case DoorEventKind::cycleCompleted:
            return "cycle_completed";
        case DoorEventKind::cycleRefused:
            return "cycle_refused";
        case DoorEventKind::gateObjectLeft:
            return "gate_object_left";
        case DoorEventKind::gateDoorStuck:
            return "gate_door_stuck";
        case DoorEventKind::gateFireReleased:
            return "gate_fire_released";
        case DoorEventKind::gateFireCleared:
            return "gate_fire_cleared";
        case DoorEventKind::gateRearmed:
            return "gate_rearmed";
        case DoorEventKind::gatePowerLost:
            return "gate_power_lost";
        case DoorEventKind::gatePowerRestored:
            return "gate_power_restored";
    }
    return "";
}

std::string_view toString(GateRefusal refusal) {
    switch (refusal) {
        case GateRefusal::tailgate:
            return "tailgate";
        case GateRefusal::twoBodies:
            return "two_bodies";
        case GateRefusal::piggyback:
            return "piggyback";
        case GateRefusal::underweight:
            return "underweight";
        case GateRefusal::returned:
            return "returned";
        case GateRefusal::linger:
            return "linger";
        case GateRefusal::doorStuck:
            return "door_stuck";
        case GateRefusal::controllerLost:
            return "controller_lost";
        case GateRefusal::denied:
            return "denied";
    }
    return "";
}

// --- encode ----------------------------------------------------------------------------------

std::string encode(const PanelRequest& message) {
    return withMac(encodeBody(message), message.auth.mac);
}

std::string encodeBody(const PanelRequest& message) {
    Json json;
    json["session"] = message.session;
    json["door"] = message.door;
    json["side"] = toString(message.side);
    if (const auto* card = std::get_if<CardPresented>(&message.step)) {
        json["step"] = "card";
        if (card->format.empty()) {
            json["card_uid"] = card->cardUid;
        } else {
            json["card_format"] = card->format;
            json["card_data"] = card->raw;
        }
    } else if (const auto* code = std::get_if<KeypadCode>(&message.step)) {
        json["step"] = "keypad";
        json["code_box"] = code->codeBox;
    } else if (const auto* pin = std::get_if<PinEntered>(&message.step)) {
        json["step"] = "pin";
        json["pin_box"] = pin->pinBox;
    } else if (const auto* finger = std::get_if<FingerScored>(&message.step)) {
        json["step"] = "finger";
        json["score"] = finger->score;
    }
    writeAuth(json, message.auth);
    return dump(json);
}

std::string encode(const PanelReply& message) {
    return withMac(encodeBody(message), message.auth.mac);
}

std::string encodeBody(const PanelReply& message) {
    Json json;
    json["session"] = message.session;
    json["door"] = message.door;
    json["step"] = toString(message.step);
    if (const auto* challenge = std::get_if<Challenge>(&message.body)) {
        json["type"] = "challenge";
        json["next"] = toString(challenge->next);
        if (challenge->next == Factor::finger) {
            json["template_box"] = challenge->templateBox;
            if (!challenge->templateBox2.empty()) {
                json["template_box_2"] = challenge->templateBox2;
            }
        }
        json["timeout_ms"] = challenge->timeoutMs;
    } else if (const auto* decision = std::get_if<Decision>(&message.body)) {
        json["type"] = "decision";
        json["granted"] = decision->granted;
        json["reason"] = decision->reason;
        json["unlock_ms"] = decision->unlockMs;
        if (decision->granted && decision->weightG > 0) {
            json["weight_g"] = decision->weightG;
        }
    }
    writeAuth(json, message.auth);
    return dump(json);
}

std::string encode(const PanelEvent& message) {
    const std::string report = encodeReport(message);
    return message.sig.empty() ? report : appendMember(report, "sig", message.sig);
}

std::string encodeReport(const PanelEvent& message) {
    Json json;
    json["door"] = message.door;
    json["event"] = toString(message.kind);
    if (!message.session.empty()) {
        json["session"] = message.session;
    }
    if (message.side) {
        json["side"] = toString(*message.side);
    }
    if (isOfflineDecision(message.kind)) {
        json["card"] = message.card;
        if (!message.person.empty()) {
            json["person"] = message.person;
        }
        json["reason"] = message.reason;
        json["degraded"] = message.degraded;
    } else if (message.kind == DoorEventKind::journalNearFull) {
        json["pending"] = message.pending;
    } else if (message.kind == DoorEventKind::journalOverflow) {
        json["lost"] = message.lost;
    } else if (isGateKind(message.kind)) {
        json["presence"] = message.presence.value_or(0);
        json["weight_g"] = message.weightG.value_or(0);
        if (!message.leaf.empty()) {
            json["leaf"] = message.leaf;
        }
        if (message.refusal) {
            json["refusal"] = toString(*message.refusal);
        }
    }
    json["seq"] = message.seq;
    json["occurred_us"] = message.occurredUs;
    json["counter"] = message.counter;
    return dump(json);
}

std::string encode(const PanelLink& message) {
    return withMac(encodeBody(message), message.mac);
}

std::string encodeBody(const PanelLink& message) {
    Json json;
    json["epoch"] = message.epoch;
    return dump(json);
}

std::string encode(const PanelStatus& message) {
    Json json;
    json["online"] = message.online;
    json["firmware"] = message.firmware;
    if (message.journalPending) {
        json["journal_pending"] = *message.journalPending;
    }
    if (message.cacheVersion) {
        json["cache_version"] = *message.cacheVersion;
    }
    return dump(json);
}

// --- parse -----------------------------------------------------------------------------------

Parsed<PanelRequest> parsePanelRequest(std::string_view text) {
    std::string error;
    const auto json = parseObject(text, error);
    if (!json) {
        return failure<PanelRequest>(std::move(error));
    }
    FieldReader reader(*json);
    PanelRequest out;
    // The step decides which fields are allowed, so it is read first. A card comes either as
    // the legacy card_uid or as card_format with card_data.
    const std::string step = reader.string("step");
    const bool formatted = step == "card" && reader.has("card_format");
    std::string_view stepField;
    std::string_view stepField2;
    if (reader.ok()) {
        if (step == "card") {
            stepField = formatted ? "card_format" : "card_uid";
            stepField2 = formatted ? "card_data" : "card_uid";
        } else if (step == "keypad") {
            stepField = "code_box";
        } else if (step == "pin") {
            stepField = "pin_box";
        } else if (step == "finger") {
            stepField = "score";
        } else {
            reader.fail("step", "must be \"card\", \"keypad\", \"pin\" or \"finger\"");
        }
    }
    if (stepField2.empty()) {
        stepField2 = stepField;  // one field for the step
    }
    if (reader.ok()) {
        reader.onlyFields({"session", "door", "side", "step", stepField, stepField2, "epoch",
                           "counter", "nonce", "mac"});
    }
    readSession(reader, out.session);
    readDoor(reader, out.door);
    const std::string side = reader.string("side");
    if (reader.ok()) {
        if (side == "entry") {
            out.side = DoorSide::entry;
        } else if (side == "exit") {
            out.side = DoorSide::exit;
        } else {
            reader.fail("side", "must be \"entry\" or \"exit\"");
        }
    }
    if (step == "card" && formatted) {
        // Only the shape is checked here: a reading that does not decode (parity, length) is
        // the controller's to deny bad_card_format, not a message to drop.
        CardPresented card;
        card.format = reader.string("card_format");
        if (reader.ok() && !isCardFormatWord(card.format)) {
            reader.fail("card_format",
                        "must be 1.." + std::to_string(kMaxCardFormatChars) + " of [a-z0-9]");
        }
        card.raw = reader.string("card_data");
        if (reader.ok() && !isCardData(card.raw)) {
            reader.fail("card_data",
                        "must be 1.." + std::to_string(kMaxCardRawChars) + " hex digits or bits");
        }
        out.step = std::move(card);
    } else if (step == "card") {
        CardPresented card{reader.string("card_uid"), {}, {}};
        if (reader.ok() && !isCardUid(card.cardUid)) {
            reader.fail("card_uid", "must be 8..20 upper-case hex digits, an even count");
        }
        out.step = std::move(card);
    } else if (step == "keypad") {
        KeypadCode code{reader.string("code_box")};
        if (reader.ok() && !isBase64Box(code.codeBox, kSealOverhead + 1, kMaxPinBoxBytes)) {
            reader.fail("code_box", boxRangeText(kMaxPinBoxBytes));
        }
        out.step = std::move(code);
    } else if (step == "pin") {
        PinEntered pin{reader.string("pin_box")};
        if (reader.ok() && !isBase64Box(pin.pinBox, kSealOverhead + 1, kMaxPinBoxBytes)) {
            reader.fail("pin_box", boxRangeText(kMaxPinBoxBytes));
        }
        out.step = std::move(pin);
    } else if (step == "finger") {
        out.step = FingerScored{reader.integer("score", 0, 100)};
    }
    readAuth(reader, *json, out.auth);
    return finish(reader, std::move(out));
}

Parsed<PanelReply> parsePanelReply(std::string_view text) {
    std::string error;
    const auto json = parseObject(text, error);
    if (!json) {
        return failure<PanelReply>(std::move(error));
    }
    FieldReader reader(*json);
    PanelReply out;
    const std::string type = reader.string("type");
    if (reader.ok()) {
        if (type == "challenge") {
            reader.onlyFields({"session", "door", "step", "type", "next", "template_box",
                               "template_box_2", "timeout_ms", "epoch", "counter", "nonce", "mac"});
        } else if (type == "decision") {
            reader.onlyFields({"session", "door", "step", "type", "granted", "reason", "unlock_ms",
                               "weight_g", "epoch", "counter", "nonce", "mac"});
        } else {
            reader.fail("type", "must be \"challenge\" or \"decision\"");
        }
    }
    readSession(reader, out.session);
    readDoor(reader, out.door);
    if (type == "challenge") {
        Challenge challenge;
        const std::string next = reader.string("next");
        if (reader.ok()) {
            if (next == "pin") {
                challenge.next = Factor::pin;
            } else if (next == "finger") {
                challenge.next = Factor::finger;
            } else {
                reader.fail("next", "must be \"pin\" or \"finger\"");
            }
        }
        if (reader.ok() && challenge.next == Factor::finger) {
            challenge.templateBox = reader.string("template_box");
            if (reader.ok() &&
                !isBase64Box(challenge.templateBox, kSealOverhead + 1, kMaxTemplateBoxBytes)) {
                reader.fail("template_box", boxRangeText(kMaxTemplateBoxBytes));
            }
            if (reader.ok() && reader.has("template_box_2")) {
                challenge.templateBox2 = reader.string("template_box_2");
                if (reader.ok() &&
                    !isBase64Box(challenge.templateBox2, kSealOverhead + 1, kMaxTemplateBoxBytes)) {
                    reader.fail("template_box_2", boxRangeText(kMaxTemplateBoxBytes));
                }
            }
        } else if (reader.ok() && reader.has("template_box")) {
            reader.fail("template_box", "only allowed with next \"finger\"");
        } else if (reader.ok() && reader.has("template_box_2")) {
            reader.fail("template_box_2", "only allowed with next \"finger\"");
        }
        challenge.timeoutMs = reader.integer("timeout_ms", 1, kMaxChallengeTimeoutMs);
        out.body = std::move(challenge);
    } else if (type == "decision") {
        Decision decision;
        decision.granted = reader.boolean("granted");
        decision.reason = reader.string("reason");
        if (reader.ok() && !isReasonCode(decision.reason)) {
            reader.fail("reason", "unknown reason code");
        }
        if (reader.ok() && (decision.reason == reason::granted) != decision.granted) {
            reader.fail("reason", "must be \"granted\" exactly when granted is true");
        }
        if (decision.granted) {
            decision.unlockMs = reader.integer("unlock_ms", 1, kMaxUnlockMs);
        } else {
            decision.unlockMs = reader.integer("unlock_ms", 0, 0);
        }
        if (reader.ok() && reader.has("weight_g")) {
            if (!decision.granted) {
                reader.fail("weight_g", "only allowed with granted");
            } else {
                decision.weightG = reader.integer("weight_g", 1, kMaxWeightG);
            }
        }
        out.body = std::move(decision);
    }
    // Read after the body, so a bad body is reported first.
    const std::string step = reader.string("step");
    if (reader.ok()) {
        if (step == "card") {
            out.step = Factor::card;
        } else if (step == "pin") {
            out.step = Factor::pin;
        } else if (step == "finger") {
            out.step = Factor::finger;
        } else {
            reader.fail("step", "must be \"card\", \"pin\" or \"finger\"");
        }
    }
    readAuth(reader, *json, out.auth);
    return finish(reader, std::move(out));
}

Parsed<PanelEvent> parsePanelEvent(std::string_view text) {
    std::string error;
    const auto json = parseObject(text, error);
    if (!json) {
        return failure<PanelEvent>(std::move(error));
    }
    FieldReader reader(*json);
    PanelEvent out;
    // Every kind's own fields are checked after the kind is known (below); the union here.
    reader.onlyFields({"door", "event", "session", "side", "card", "person", "reason", "degraded",
                       "pending", "lost", "presence", "weight_g", "leaf", "refusal", "seq",
                       "occurred_us", "counter", "sig"});
    readDoor(reader, out.door);
    const std::string kind = reader.string("event");
    if (reader.ok()) {
        bool known = false;
        for (auto candidate : kEventKinds) {
            if (kind == toString(candidate)) {
                out.kind = candidate;
                known = true;
            }
        }
        if (!known) {
            reader.fail("event", "unknown door event kind");
        }
    }
    readSession(reader, out.session, /*optional=*/true);
    if (reader.ok() && hasSide(out.kind)) {
        const std::string side = reader.string("side");
        if (reader.ok() && side != "entry" && side != "exit") {
            reader.fail("side", "must be \"entry\" or \"exit\"");
        }
        out.side = side == "exit" ? DoorSide::exit : DoorSide::entry;
    } else if (reader.ok() && reader.has("side")) {
        reader.fail("side", "only allowed with reader reports, offline decisions and gate cycles");
    }
    readKindFields(reader, *json, out);
    const auto seq = readUnsigned(reader, *json, "seq", 1, kMaxCounter);
    out.seq = seq.value_or(0);
    const auto occurred = readUnsigned(reader, *json, "occurred_us", 0, kMaxCounter);
    out.occurredUs = static_cast<std::int64_t>(occurred.value_or(0));
    out.counter = readCounter(reader, *json);
    readHex(reader, "sig", kSigHexChars, out.sig);
    return finish(reader, std::move(out));
}

Parsed<PanelStatus> parsePanelStatus(std::string_view text) {
    std::string error;
    const auto json = parseObject(text, error);
    if (!json) {
        return failure<PanelStatus>(std::move(error));
    }
    FieldReader reader(*json);
    PanelStatus out;
    reader.onlyFields({"online", "firmware", "journal_pending", "cache_version"});
    out.online = reader.boolean("online");
    out.firmware = reader.string("firmware");
    if (reader.ok() &&
        (out.firmware.size() > kMaxFirmwareChars || !isPrintableAscii(out.firmware))) {
        reader.fail("firmware", "must be at most 64 printable ASCII characters");
    }
    out.journalPending = readUnsigned(reader, *json, "journal_pending", 0, kMaxCounter, true);
    out.cacheVersion = readUnsigned(reader, *json, "cache_version", 0, kMaxCounter, true);
    return finish(reader, std::move(out));
}

Parsed<PanelLink> parsePanelLink(std::string_view text) {
    std::string error;
    const auto json = parseObject(text, error);
    if (!json) {
        return failure<PanelLink>(std::move(error));
    }
    FieldReader reader(*json);
    PanelLink out;
    reader.onlyFields({"epoch", "mac"});
    readHex(reader, "epoch", kEpochHexChars, out.epoch);
    readHex(reader, "mac", kMacHexChars, out.mac);
    return finish(reader, std::move(out));
}

}  // namespace sekimori::protocol
