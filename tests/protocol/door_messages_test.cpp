#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sekimori::protocol {
namespace {

// 44 bytes (nonce + MAC + 4 PIN digits) of canonical base64.
const std::string kPinBox = std::string(56, 'A') + "AAAA";
// 104 bytes (nonce + MAC + 64-byte template).
const std::string kTemplateBox = std::string(136, 'B') + "BBA=";
// Every request and reply carries these (docs/mqtt.md, "The authenticated link").
const LinkAuth kAuth{std::string(32, 'e'), 7, std::string(32, 'c'), std::string(64, 'f')};
const std::string kAuthJson =
    R"(,"epoch":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee","counter":7,)"
    R"("nonce":"cccccccccccccccccccccccccccccccc",)"
    R"("mac":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})";
const std::string kSig(128, '5');

TEST(DoorMessages, RequestCardRoundTrip) {
    PanelRequest request{"s-1", "server-room", DoorSide::entry, CardPresented{"04A1B2C3D4E5F6"},
                         kAuth};
    const std::string json = encode(request);
    EXPECT_EQ(json, R"({"session":"s-1","door":"server-room","side":"entry","step":"card",)"
                    R"("card_uid":"04A1B2C3D4E5F6")" +
                        kAuthJson);
    const auto parsed = parsePanelRequest(json);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->session, "s-1");
    EXPECT_EQ(parsed.value->door, "server-room");
    EXPECT_EQ(parsed.value->side, DoorSide::entry);
    EXPECT_EQ(std::get<CardPresented>(parsed.value->step).cardUid, "04A1B2C3D4E5F6");
}

TEST(DoorMessages, RequestCardInAReaderFormatRoundTrip) {
    CardPresented card;
    card.format = "wiegand26";
    card.raw = "10111101110110010011011101";
    const std::string json = encode(PanelRequest{"s-2", "dock", DoorSide::entry, card, kAuth});
    EXPECT_EQ(json, R"({"session":"s-2","door":"dock","side":"entry","step":"card",)"
                    R"("card_format":"wiegand26","card_data":"10111101110110010011011101")" +
                        kAuthJson);
    const auto parsed = parsePanelRequest(json);
    ASSERT_TRUE(parsed) << parsed.error;
    const auto& back = std::get<CardPresented>(parsed.value->step);
    EXPECT_EQ(back.format, "wiegand26");
    EXPECT_EQ(back.raw, card.raw);
    EXPECT_TRUE(back.cardUid.empty());
    // The codec checks the shape only: a reading that does not decode is the controller's to
    // deny bad_card_format, so it still parses.
    card.format = "wiegand37";
    card.raw = "0101";
    EXPECT_TRUE(parsePanelRequest(encode(PanelRequest{"s", "d", DoorSide::entry, card, kAuth})));
}

TEST(DoorMessages, RequestKeypadCodeRoundTrip) {
    const std::string json =
        encode(PanelRequest{"k-1", "store", DoorSide::entry, KeypadCode{kPinBox}, kAuth});
    EXPECT_EQ(json, R"({"session":"k-1","door":"store","side":"entry","step":"keypad",)"
                    R"("code_box":")" +
                        kPinBox + "\"" + kAuthJson);
    const auto parsed = parsePanelRequest(json);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(std::get<KeypadCode>(parsed.value->step).codeBox, kPinBox);
}

TEST(DoorMessages, FingerChallengeCarriesASecondTemplate) {
    PanelReply reply{"s1", "d1", Factor::pin, Challenge{Factor::finger, kTemplateBox, 20000},
                     kAuth};
    std::get<Challenge>(reply.body).templateBox2 = kPinBox;
    const std::string json = encode(reply);
    EXPECT_NE(json.find(R"("template_box_2":")" + kPinBox + "\""), std::string::npos) << json;
    const auto parsed = parsePanelReply(json);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(std::get<Challenge>(parsed.value->body).templateBox, kTemplateBox);
    EXPECT_EQ(std::get<Challenge>(parsed.value->body).templateBox2, kPinBox);
    // One finger enrolled: no second member on the wire, as before.
    std::get<Challenge>(reply.body).templateBox2.clear();
    EXPECT_EQ(encode(reply).find("template_box_2"), std::string::npos);
    const auto one = parsePanelReply(encode(reply));
    ASSERT_TRUE(one) << one.error;
    EXPECT_TRUE(std::get<Challenge>(one.value->body).templateBox2.empty());
}

TEST(DoorMessages, RequestPinAndFingerRoundTrip) {
    const auto pin = parsePanelRequest(
        encode(PanelRequest{"a", "d", DoorSide::exit, PinEntered{kPinBox}, kAuth}));
    ASSERT_TRUE(pin) << pin.error;
    EXPECT_EQ(pin.value->side, DoorSide::exit);
    EXPECT_EQ(std::get<PinEntered>(pin.value->step).pinBox, kPinBox);

    const auto finger =
        parsePanelRequest(encode(PanelRequest{"a", "d", DoorSide::entry, FingerScored{93}, kAuth}));
    ASSERT_TRUE(finger) << finger.error;
    EXPECT_EQ(std::get<FingerScored>(finger.value->step).score, 93);
}

TEST(DoorMessages, ReplyRoundTrips) {
    PanelReply pinChallenge{"s1", "d1", Factor::card, Challenge{Factor::pin, "", 15000}, kAuth};
    EXPECT_EQ(encode(pinChallenge),
              R"({"session":"s1","door":"d1","step":"card","type":"challenge","next":"pin",)"
              R"("timeout_ms":15000)" +
                  kAuthJson);
    auto parsed = parsePanelReply(encode(pinChallenge));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(std::get<Challenge>(parsed.value->body).next, Factor::pin);
    EXPECT_EQ(std::get<Challenge>(parsed.value->body).timeoutMs, 15000);

    PanelReply fingerChallenge{"s1", "d1", Factor::card,
                               Challenge{Factor::finger, kTemplateBox, 20000}, kAuth};
    parsed = parsePanelReply(encode(fingerChallenge));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(std::get<Challenge>(parsed.value->body).templateBox, kTemplateBox);

    PanelReply granted{"s1", "d1", Factor::card, Decision{true, "granted", 5000}, kAuth};
    EXPECT_EQ(encode(granted),
              R"({"session":"s1","door":"d1","step":"card","type":"decision","granted":true,)"
              R"("reason":"granted","unlock_ms":5000)" +
                  kAuthJson);
    parsed = parsePanelReply(encode(granted));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_TRUE(std::get<Decision>(parsed.value->body).granted);
    EXPECT_EQ(std::get<Decision>(parsed.value->body).unlockMs, 5000);

    parsed = parsePanelReply(
        encode(PanelReply{"s1", "d1", Factor::card, Decision{false, "wrong_pin", 0}, kAuth}));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(std::get<Decision>(parsed.value->body).reason, "wrong_pin");
}

TEST(DoorMessages, EveryReasonCodeParses) {
    for (std::string code :
         {"unknown_card", "revoked", "wrong_pin", "finger_mismatch", "outside_schedule",
          "no_access", "timeout", "factor_out_of_order", "controller_error"}) {
        EXPECT_TRUE(isReasonCode(code)) << code;
        const auto parsed = parsePanelReply(
            encode(PanelReply{"s", "d", Factor::card, Decision{false, code, 0}, kAuth}));
        EXPECT_TRUE(parsed) << code << ": " << parsed.error;
    }
    EXPECT_TRUE(isReasonCode("granted"));
    EXPECT_FALSE(isReasonCode("maybe"));
}

TEST(DoorMessages, EventAndStatusRoundTrip) {
    for (auto kind : {DoorEventKind::opened, DoorEventKind::closed, DoorEventKind::forced,
                      DoorEventKind::heldOpen, DoorEventKind::exitRequested, DoorEventKind::tamper,
                      DoorEventKind::tamperCleared}) {
        const auto parsed =
            parsePanelEvent(encode(PanelEvent{"door-1", kind, "", 7, kSig, std::nullopt, 1, 1000}));
        ASSERT_TRUE(parsed) << parsed.error;
        EXPECT_EQ(parsed.value->kind, kind);
        EXPECT_TRUE(parsed.value->session.empty());
    }
    EXPECT_EQ(
        encode(PanelEvent{"d", DoorEventKind::heldOpen, "s9", 7, kSig, std::nullopt, 4,
                          1764590000000123}),
        R"({"door":"d","event":"held_open","session":"s9","seq":4,"occurred_us":1764590000000123,"counter":7,"sig":")" +
            kSig + R"("})");
    const auto withSession = parsePanelEvent(R"({"door":"d","event":"opened","session":"s9",)"
                                             R"("seq":1,"occurred_us":0,"counter":1,"sig":")" +
                                             kSig + R"("})");
    ASSERT_TRUE(withSession) << withSession.error;
    EXPECT_EQ(withSession.value->session, "s9");

    EXPECT_EQ(encode(PanelStatus{true, "0.1.0"}), R"({"online":true,"firmware":"0.1.0"})");
    const auto status = parsePanelStatus(R"({"online":false,"firmware":""})");
    ASSERT_TRUE(status) << status.error;
    EXPECT_FALSE(status.value->online);
}

struct Malformed {
    const char* name;
    std::string json;
    std::string error;
};

void expectErrors(const std::vector<Malformed>& table, auto parse) {
    for (const auto& row : table) {
        const auto parsed = parse(row.json);
        EXPECT_FALSE(parsed) << row.name;
        EXPECT_EQ(parsed.error, row.error) << row.name << ": " << row.json;
    }
}

TEST(DoorMessages, MalformedRequests) {
    const std::string big =
        R"({"session":"s","door":"d","side":"entry","step":"card","card_uid":")" +
        std::string(4100, 'A') + "\"}";
    expectErrors(
        {
            {"not json", "{", "payload: not valid JSON"},
            {"empty", "", "payload: not valid JSON"},
            {"array", "[1,2]", "payload: must be a JSON object"},
            {"number", "42", "payload: must be a JSON object"},
            {"oversize", big, "payload: larger than 4096 bytes"},
            {"missing step", R"({"session":"s","door":"d","side":"entry"})", "step: missing"},
            {"bad step", R"({"session":"s","door":"d","side":"entry","step":"iris"})",
             R"(step: must be "card", "keypad", "pin" or "finger")"},
            {"missing session", R"({"door":"d","side":"entry","step":"finger","score":1})",
             "session: missing"},
            {"session type", R"({"session":7,"door":"d","side":"entry","step":"finger","score":1})",
             "session: must be a string"},
            {"session chars",
             R"({"session":"A_B","door":"d","side":"entry","step":"finger","score":1})",
             "session: must be 1..64 of [a-z0-9-]"},
            {"door id",
             R"({"session":"s","door":"Door 1","side":"entry","step":"finger","score":1})",
             "door: must be an id (1..64 of [a-z0-9_-])"},
            {"side", R"({"session":"s","door":"d","side":"in","step":"finger","score":1})",
             R"(side: must be "entry" or "exit")"},
            {"unknown field",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":1,"pin":"1234"})",
             "pin: unknown field"},
            {"field of other step",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":1,"card_uid":"0011AABB"})",
             "card_uid: unknown field"},
            {"duplicate field",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":1,"score":99})",
             "score: duplicate field"},
            {"lower-case uid",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_uid":"04a1b2c3"})",
             "card_uid: must be 8..20 upper-case hex digits, an even count"},
            {"short uid",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_uid":"04A1B2"})",
             "card_uid: must be 8..20 upper-case hex digits, an even count"},
            {"odd uid",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_uid":"04A1B2C3D"})",
             "card_uid: must be 8..20 upper-case hex digits, an even count"},
            {"clear pin",
             R"({"session":"s","door":"d","side":"entry","step":"pin","pin_box":"1234"})",
             "pin_box: must be base64 of a sealed box (41..96 bytes)"},
            {"pin box not base64",
             R"({"session":"s","door":"d","side":"entry","step":"pin","pin_box":")" +
                 std::string(59, 'A') + "!\"}",
             "pin_box: must be base64 of a sealed box (41..96 bytes)"},
            {"pin box stray bits",
             R"({"session":"s","door":"d","side":"entry","step":"pin","pin_box":")" +
                 std::string(56, 'A') + "AAB=\"}",
             "pin_box: must be base64 of a sealed box (41..96 bytes)"},
            {"pin box too short",
             R"({"session":"s","door":"d","side":"entry","step":"pin","pin_box":")" +
                 std::string(52, 'A') + "\"}",
             "pin_box: must be base64 of a sealed box (41..96 bytes)"},
            {"score float",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":90.5})",
             "score: must be an integer"},
            {"score string",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":"90"})",
             "score: must be an integer"},
            {"score high",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":101})",
             "score: out of range 0..100"},
            {"score negative",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":-1})",
             "score: out of range 0..100"},
            {"score huge",
             R"({"session":"s","door":"d","side":"entry","step":"finger","score":18446744073709551615})",
             "score: out of range 0..100"},
            {"missing score", R"({"session":"s","door":"d","side":"entry","step":"finger"})",
             "score: missing"},
            {"format without data",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"felica"})",
             "card_data: missing"},
            {"data without format",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_data":"0101"})",
             "card_data: unknown field"},
            {"uid beside a format",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"felica",)"
             R"("card_data":"0123456789ABCDEF","card_uid":"0123456789ABCDEF"})",
             "card_uid: unknown field"},
            {"format word",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"Wiegand 26",)"
             R"("card_data":"01"})",
             "card_format: must be 1..16 of [a-z0-9]"},
            {"format empty",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"",)"
             R"("card_data":"01"})",
             "card_format: must be 1..16 of [a-z0-9]"},
            {"data too long",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"wiegand37",)"
             R"("card_data":")" +
                 std::string(38, '1') + "\"}",
             "card_data: must be 1..37 hex digits or bits"},
            {"data chars",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"felica",)"
             R"("card_data":"0123-567"})",
             "card_data: must be 1..37 hex digits or bits"},
            {"data number",
             R"({"session":"s","door":"d","side":"entry","step":"card","card_format":"felica",)"
             R"("card_data":1234})",
             "card_data: must be a string"},
            {"clear keypad code",
             R"({"session":"s","door":"d","side":"entry","step":"keypad","code_box":"1234"})",
             "code_box: must be base64 of a sealed box (41..96 bytes)"},
            {"keypad without code", R"({"session":"s","door":"d","side":"entry","step":"keypad"})",
             "code_box: missing"},
            {"keypad with pin box",
             R"({"session":"s","door":"d","side":"entry","step":"keypad","pin_box":")" + kPinBox +
                 "\"}",
             "pin_box: unknown field"},
        },
        parsePanelRequest);
}

TEST(DoorMessages, MalformedReplies) {
    expectErrors(
        {
            {"missing type", R"({"session":"s","door":"d"})", "type: missing"},
            {"bad type", R"({"session":"s","door":"d","type":"hello"})",
             R"(type: must be "challenge" or "decision")"},
            {"next card",
             R"({"session":"s","door":"d","type":"challenge","next":"card","timeout_ms":1})",
             R"(next: must be "pin" or "finger")"},
            {"finger without template",
             R"({"session":"s","door":"d","type":"challenge","next":"finger","timeout_ms":1})",
             "template_box: missing"},
            {"template with pin",
             R"({"session":"s","door":"d","type":"challenge","next":"pin","template_box":")" +
                 kTemplateBox + R"(","timeout_ms":1})",
             R"(template_box: only allowed with next "finger")"},
            {"second template with pin",
             R"({"session":"s","door":"d","type":"challenge","next":"pin","template_box_2":")" +
                 kTemplateBox + R"(","timeout_ms":1})",
             R"(template_box_2: only allowed with next "finger")"},
            {"second template not a box",
             R"({"session":"s","door":"d","type":"challenge","next":"finger","template_box":")" +
                 kTemplateBox + R"(","template_box_2":"xyz","timeout_ms":1})",
             "template_box_2: must be base64 of a sealed box (41..2048 bytes)"},
            {"timeout zero",
             R"({"session":"s","door":"d","type":"challenge","next":"pin","timeout_ms":0})",
             "timeout_ms: out of range 1..300000"},
            {"granted field in challenge",
             R"({"session":"s","door":"d","type":"challenge","next":"pin","timeout_ms":5,"granted":true})",
             "granted: unknown field"},
            {"granted as number",
             R"({"session":"s","door":"d","type":"decision","granted":1,"reason":"granted","unlock_ms":5})",
             "granted: must be true or false"},
            {"unknown reason",
             R"({"session":"s","door":"d","type":"decision","granted":false,"reason":"nope","unlock_ms":0})",
             "reason: unknown reason code"},
            {"granted with deny reason",
             R"({"session":"s","door":"d","type":"decision","granted":true,"reason":"revoked","unlock_ms":5})",
             R"(reason: must be "granted" exactly when granted is true)"},
            {"denied with granted reason",
             R"({"session":"s","door":"d","type":"decision","granted":false,"reason":"granted","unlock_ms":0})",
             R"(reason: must be "granted" exactly when granted is true)"},
            {"granted without unlock time",
             R"({"session":"s","door":"d","type":"decision","granted":true,"reason":"granted","unlock_ms":0})",
             "unlock_ms: out of range 1..600000"},
            {"denied with unlock time",
             R"({"session":"s","door":"d","type":"decision","granted":false,"reason":"timeout","unlock_ms":5})",
             "unlock_ms: out of range 0..0"},
        },
        parsePanelReply);
}

TEST(DoorMessages, MalformedEventsAndStatus) {
    expectErrors(
        {
            {"unknown kind", R"({"door":"d","event":"exploded"})",
             "event: unknown door event kind"},
            {"missing door", R"({"event":"opened"})", "door: missing"},
            {"bad session", R"({"door":"d","event":"opened","session":""})",
             "session: must be 1..64 of [a-z0-9-]"},
            {"unknown field", R"({"door":"d","event":"opened","time":1})", "time: unknown field"},
            {"control chars in key", "{\"door\":\"d\",\"event\":\"opened\",\"a\\u0001\":1}",
             "a?: unknown field"},
        },
        parsePanelEvent);
    expectErrors(
        {
            {"online string", R"({"online":"yes","firmware":""})", "online: must be true or false"},
            {"firmware control", R"({"online":true,"firmware":"a\nb"})",
             "firmware: must be at most 64 printable ASCII characters"},
            {"missing firmware", R"({"online":true})", "firmware: missing"},
        },
        parsePanelStatus);
}

TEST(DoorMessages, InvalidUtf8NeverThrows) {
    EXPECT_FALSE(parsePanelEvent("{\"door\":\"\xff\xfe\",\"event\":\"opened\"}"));
    // Encoding a caller's invalid bytes replaces them instead of throwing.
    const std::string json = encode(PanelEvent{"\xff", DoorEventKind::opened, "", 7, kSig});
    EXPECT_FALSE(json.empty());
    EXPECT_FALSE(parsePanelEvent(json));  // U+FFFD is not an id character
}

TEST(DoorMessages, DeepNestingIsRefusedCleanly) {
    const std::string deep = std::string(2000, '[') + std::string(2000, ']');
    EXPECT_EQ(parsePanelRequest(deep).error, "payload: must be a JSON object");
    const std::string nested = R"({"door":"d","event":"opened","x":)" + std::string(1000, '[') +
                               std::string(1000, ']') + "}";
    EXPECT_EQ(parsePanelEvent(nested).error, "x: unknown field");
}

}  // namespace
}  // namespace sekimori::protocol

namespace sekimori::protocol {
namespace {

// The fuzz seeds double as examples: request_*, reply_*, event_*, status_* must parse with
// their parser, bad_* with none.
TEST(DoorMessages, FuzzCorpusSeedsParseAsNamed) {
    const auto dir = std::filesystem::path(SEKIMORI_SOURCE_DIR) / "fuzz/corpus/mqtt_payload";
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        const std::string name = entry.path().filename().string();
        const bool request = bool(parsePanelRequest(text));
        const bool reply = bool(parsePanelReply(text));
        const bool event = bool(parsePanelEvent(text));
        const bool status = bool(parsePanelStatus(text));
        // Issue 15: the commands, the acks and the panel's cache at rest share the corpus.
        const bool command = bool(parsePanelCommand(text));
        const bool ack = bool(parsePanelAck(text));
        const bool cache = bool(parseCacheEntries(text));
        if (name.starts_with("bad_")) {
            EXPECT_FALSE(request || reply || event || status || command || ack || cache) << name;
        } else {
            EXPECT_EQ(request, name.starts_with("request_")) << name;
            EXPECT_EQ(reply, name.starts_with("reply_")) << name;
            EXPECT_EQ(event, name.starts_with("event_")) << name;
            EXPECT_EQ(status, name.starts_with("status_")) << name;
            EXPECT_EQ(command, name.starts_with("command_")) << name;
            EXPECT_EQ(ack, name.starts_with("ack_")) << name;
            EXPECT_EQ(cache, name.starts_with("cache_")) << name;
        }
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

}  // namespace
}  // namespace sekimori::protocol
