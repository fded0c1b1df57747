#include "protocol/panel_commands.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"

namespace sekimori::protocol {
namespace {

const LinkAuth kAuth{std::string(32, 'e'), 7, std::string(32, 'c'), std::string(64, 'f')};
const std::string kAuthJson =
    R"(,"epoch":"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee","counter":7,)"
    R"("nonce":"cccccccccccccccccccccccccccccccc",)"
    R"("mac":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})";

PanelCommand command(CommandType type) {
    PanelCommand c;
    c.id = "c-1";
    c.type = type;
    c.auth = kAuth;
    return c;
}

TEST(PanelCommands, EveryTypeRoundTripsInTheContractsFieldOrder) {
    PanelCommand unlock = command(CommandType::unlock);
    unlock.door = "server-room";
    unlock.ms = 5000;
    EXPECT_EQ(encode(unlock),
              R"({"command":"c-1","type":"unlock","door":"server-room","ms":5000)" + kAuthJson);
    PanelCommand hold = command(CommandType::holdUnlocked);
    hold.door = "lobby";
    hold.ms = kMaxHoldUnlockedMs;
    PanelCommand lock = command(CommandType::lock);
    lock.door = "lobby";
    EXPECT_EQ(encode(lock), R"({"command":"c-1","type":"lock","door":"lobby")" + kAuthJson);
    PanelCommand revoke = command(CommandType::revoke);
    revoke.cards = {"0123456789ABCDEF", "W26-12-3456"};
    EXPECT_EQ(encode(revoke),
              R"({"command":"c-1","type":"revoke","cards":["0123456789ABCDEF","W26-12-3456"])" +
                  kAuthJson);
    PanelCommand restore = command(CommandType::restore);
    restore.cards = {"04A1B2C3"};
    for (const auto& original : {unlock, hold, lock, revoke, restore}) {
        const auto parsed = parsePanelCommand(encode(original));
        ASSERT_TRUE(parsed) << parsed.error << " " << encode(original);
        EXPECT_EQ(parsed.value->id, original.id);
        EXPECT_EQ(parsed.value->type, original.type);
        EXPECT_EQ(parsed.value->door, original.door);
        EXPECT_EQ(parsed.value->ms, original.ms);
        EXPECT_EQ(parsed.value->cards, original.cards);
        EXPECT_EQ(parsed.value->auth.epoch, kAuth.epoch);
        EXPECT_EQ(parsed.value->auth.counter, kAuth.counter);
        EXPECT_EQ(parsed.value->auth.nonce, kAuth.nonce);
        EXPECT_EQ(parsed.value->auth.mac, kAuth.mac);
    }
}

TEST(PanelCommands, RefusesEveryMalformedCommandNamingTheField) {
    const std::string auth = kAuthJson;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"command":"c-1","type":"open","door":"d")" + auth, "type: must be"},
        {R"({"command":"C_1","type":"lock","door":"d")" + auth, "command: must be 1..64"},
        {R"({"command":"c-1","type":"lock","door":"D!")" + auth, "door: must be an id"},
        {R"({"command":"c-1","type":"lock")" + auth, "door: missing"},
        {R"({"command":"c-1","type":"lock","door":"d","ms":5)" + auth, "ms: unknown field"},
        {R"({"command":"c-1","type":"unlock","door":"d","ms":0)" + auth, "ms: out of range"},
        {R"({"command":"c-1","type":"unlock","door":"d","ms":600001)" + auth, "ms: out of range"},
        {R"({"command":"c-1","type":"unlock","door":"d","ms":"5")" + auth, "ms: "},
        {R"({"command":"c-1","type":"hold_unlocked","door":"d","ms":86400001)" + auth,
         "ms: out of range"},
        {R"({"command":"c-1","type":"revoke","cards":[])" + auth, "cards: must be an array"},
        {R"({"command":"c-1","type":"revoke","cards":"04A1B2C3")" + auth, "cards: must be"},
        {R"({"command":"c-1","type":"revoke","cards":["04a1b2c3"])" + auth, "cards: each"},
        {R"({"command":"c-1","type":"revoke","cards":[7])" + auth, "cards: each"},
        {R"({"command":"c-1","type":"revoke","cards":["04A1B2C3","04A1B2C3"])" + auth,
         "cards: lists a card twice"},
        {R"({"command":"c-1","type":"revoke","door":"d","cards":["04A1B2C3"])" + auth,
         "door: unknown field"},
        {R"({"command":"c-1","type":"lock","door":"d","epoch":"x","counter":1,)"
         R"("nonce":"cccccccccccccccccccccccccccccccc","mac":")" +
             std::string(64, 'f') + "\"}",
         "epoch: must be 32"},
        {R"({"command":"c-1","type":"lock","door":"d","epoch":")" + std::string(32, 'e') +
             R"(","counter":0,"nonce":")" + std::string(32, 'c') + R"(","mac":")" +
             std::string(64, 'f') + "\"}",
         "counter: out of range"},
        {R"({"command":"c-1","type":"lock","door":"d"})", "epoch: missing"},
        {R"({"command":"c-1","command":"c-2","type":"lock","door":"d")" + auth, "duplicate"},
        {"[1]", "payload"},
    };
    for (const auto& [json, expected] : cases) {
        const auto parsed = parsePanelCommand(json);
        ASSERT_FALSE(parsed) << json;
        EXPECT_NE(parsed.error.find(expected), std::string::npos)
            << json << "\n  got: " << parsed.error << "\n  expected: " << expected;
    }
    // 33 cards: one more than a command carries.
    std::string many = R"({"command":"c-1","type":"revoke","cards":[)";
    for (int i = 0; i < 33; ++i) {
        many += (i ? ",\"" : "\"") + std::string("0000000") + std::to_string(i % 10) + "\"";
    }
    EXPECT_FALSE(parsePanelCommand(many + "]" + auth));
}

TEST(PanelAcks, RoundTripAndStrictness) {
    PanelAck done{"c-9", AckResult::done, "", kAuth};
    EXPECT_EQ(encode(done), R"({"command":"c-9","result":"done")" + kAuthJson);
    PanelAck refused{"c-9", AckResult::refused, "not this panel's door", kAuth};
    for (const auto& original : {done, refused}) {
        const auto parsed = parsePanelAck(encode(original));
        ASSERT_TRUE(parsed) << parsed.error;
        EXPECT_EQ(parsed.value->command, original.command);
        EXPECT_EQ(parsed.value->result, original.result);
        EXPECT_EQ(parsed.value->reason, original.reason);
        EXPECT_EQ(parsed.value->auth.counter, 7u);
    }
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"command":"c-9","result":"ok")" + kAuthJson, "result: must be"},
        {R"({"command":"c-9","result":"done","reason":"x")" + kAuthJson, "reason: unknown field"},
        {R"({"command":"c-9","result":"refused")" + kAuthJson, "reason: missing"},
        {R"({"command":"c-9","result":"refused","reason":"")" + kAuthJson, "reason: must be"},
        {R"({"command":"","result":"done")" + kAuthJson, "command: must be"},
        {R"({"command":"c-9","result":"done"})", "epoch: missing"},
    };
    for (const auto& [json, expected] : cases) {
        const auto parsed = parsePanelAck(json);
        ASSERT_FALSE(parsed) << json;
        EXPECT_NE(parsed.error.find(expected), std::string::npos)
            << json << "\n  got: " << parsed.error;
    }
}

TEST(PanelCommands, MacInputsBindTagDoorIdTypeAndCounterAndDifferFromEachOther) {
    PanelCommand lock = command(CommandType::lock);
    lock.door = "d1";
    const std::string body = encodeBody(lock);
    const std::string input = commandMacInput("hq", "p-1", lock, body);
    EXPECT_EQ(input, macInput({kCommandTag, "hq", "p-1", "d1", "c-1", "lock", kAuth.epoch, 7,
                               kAuth.nonce, body}));
    PanelCommand other = lock;
    other.auth.counter = 8;
    EXPECT_NE(commandMacInput("hq", "p-1", other, body), input);
    other = lock;
    other.door = "d2";
    EXPECT_NE(commandMacInput("hq", "p-1", other, body), input);
    EXPECT_NE(commandMacInput("hq", "p-2", lock, body), input);

    PanelAck ack{"c-1", AckResult::done, "", kAuth};
    EXPECT_EQ(
        ackMacInput("hq", "p-1", ack, body),
        macInput({kAckTag, "hq", "p-1", "", "c-1", "done", kAuth.epoch, 7, kAuth.nonce, body}));
    // A body MAC'd as one kind never verifies as the other: the tags differ.
    EXPECT_NE(ackMacInput("hq", "p-1", ack, body), input);
}

TEST(PanelCommands, TopicsAreTheContractsAndParseBack) {
    EXPECT_EQ(panelTopic("hq", "p-1", PanelChannel::command), "sekimori/hq/panel/p-1/command");
    EXPECT_EQ(panelTopic("hq", "p-1", PanelChannel::ack), "sekimori/hq/panel/p-1/ack");
    const auto parsed = parsePanelTopic("hq", "sekimori/hq/panel/p-1/ack");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->channel, PanelChannel::ack);
    EXPECT_EQ(parsePanelTopic("hq", "sekimori/hq/panel/p-1/command")->channel,
              PanelChannel::command);
}

TEST(PanelCommands, DenyListCardIds) {
    for (const char* good : {"04A1B2C3", "0123456789ABCDEF", "W26-12-3456", "W37-65535-524287"}) {
        EXPECT_TRUE(isDenyListCardId(good)) << good;
    }
    for (const char* bad : {"", "ABC", "04a1b2c3", "W26_12", "04A1 B2C3",
                            "0123456789ABCDEF0123456789ABCDEF012345678"}) {
        EXPECT_FALSE(isDenyListCardId(bad)) << bad;
    }
}

}  // namespace
}  // namespace sekimori::protocol

namespace sekimori::protocol {
namespace {

TEST(PanelFaultReports, LockAndReaderKindsRoundTripAndOnlyReaderKindsCarryASide) {
    const std::string sig(128, '5');
    for (auto kind : {DoorEventKind::lockFault, DoorEventKind::lockFaultCleared}) {
        const auto parsed =
            parsePanelEvent(encode(PanelEvent{"d", kind, "", 3, sig, std::nullopt, 2, 5}));
        ASSERT_TRUE(parsed) << parsed.error;
        EXPECT_EQ(parsed.value->kind, kind);
        EXPECT_FALSE(parsed.value->side);
    }
    PanelEvent reader{"d", DoorEventKind::readerOffline, "", 3, sig, DoorSide::exit, 2, 5};
    EXPECT_EQ(
        encode(reader),
        R"({"door":"d","event":"reader_offline","side":"exit","seq":2,"occurred_us":5,"counter":3,"sig":")" +
            sig + R"("})");
    const auto parsed = parsePanelEvent(encode(reader));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.value->side, DoorSide::exit);

    const auto noSide = parsePanelEvent(
        R"({"door":"d","event":"reader_online","seq":2,"occurred_us":5,"counter":3,)"
        R"("sig":")" +
        sig + R"("})");
    ASSERT_FALSE(noSide);
    EXPECT_EQ(noSide.error, "side: missing");
    const auto badSide = parsePanelEvent(
        R"({"door":"d","event":"reader_online","side":"in","seq":2,"occurred_us":5,"counter":3,"sig":")" +
        sig + R"("})");
    EXPECT_FALSE(badSide);
    const auto sideOnLock = parsePanelEvent(
        R"({"door":"d","event":"lock_fault","side":"entry","seq":2,"occurred_us":5,"counter":3,"sig":")" +
        sig + R"("})");
    ASSERT_FALSE(sideOnLock);
    EXPECT_NE(sideOnLock.error.find("side: only allowed"), std::string::npos) << sideOnLock.error;
}

}  // namespace
}  // namespace sekimori::protocol
