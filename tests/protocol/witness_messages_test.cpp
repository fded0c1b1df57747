// The witness protocol's codec: every message round-trips, and the parsers refuse what the
// contract does not allow, naming the field (docs/witness.md).
#include "protocol/witness_messages.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sekimori::protocol {
namespace {

const std::string kHash(64, 'a');
const std::string kSig(128, 'b');

WitnessSubmit sampleSubmit() {
    WitnessSubmit s;
    s.checkpoint = {2, kHash, 1'700'000'001'000'000, kSig};
    s.from = 1;
    s.events.push_back(
        {2, 1'700'000'000'500'000, "access.granted", "door:d1", "p-1", R"({"door":"d1"})"});
    return s;
}

TEST(WitnessTopics, AreBuiltAndSplitFromOneName) {
    EXPECT_EQ(witnessTopic("s1", "w1", WitnessChannel::submit),
              "sekimori/s1/audit/witness/w1/submit");
    EXPECT_EQ(witnessChannelFilter("s1", WitnessChannel::state),
              "sekimori/s1/audit/witness/+/state");
    auto t = parseWitnessTopic("s1", "sekimori/s1/audit/witness/w1/cosigned");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->witness, "w1");
    EXPECT_EQ(t->channel, WitnessChannel::cosigned);
    EXPECT_FALSE(parseWitnessTopic("s1", "sekimori/s2/audit/witness/w1/cosigned"));
    EXPECT_FALSE(parseWitnessTopic("s1", "sekimori/s1/audit/witness/W1/cosigned"));
    EXPECT_FALSE(parseWitnessTopic("s1", "sekimori/s1/audit/witness/w1/other"));
}

TEST(WitnessMessages, SubmitRoundTrips) {
    const std::string text = encode(sampleSubmit());
    auto parsed = parseWitnessSubmit(text);
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(encode(*parsed.value), text);
    EXPECT_EQ(parsed.value->events.at(0).payload, R"({"door":"d1"})");
}

TEST(WitnessMessages, SubmitRefusesWhatTheContractDoesNotAllow) {
    const auto refuses = [](std::string text, const std::string& fragment) {
        auto parsed = parseWitnessSubmit(text);
        EXPECT_FALSE(parsed) << text;
        EXPECT_NE(parsed.error.find(fragment), std::string::npos) << parsed.error;
    };
    std::string good = encode(sampleSubmit());
    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        t.replace(t.find(from), from.size(), to);
        return t;
    };
    refuses(with("\"from\":1", "\"from\":3"), "from");
    refuses(with("\"from\":1", "\"from\":-1"), "from");
    refuses(with("\"from\":1", "\"from\":1.5"), "from");
    refuses(with(kHash, "AA"), "head_hash");
    refuses(with(kSig, kSig.substr(2)), "signature");
    refuses(with("\"seq\":2", "\"seq\":\"2\""), "events[0]: seq");
    refuses(with("\"subject\":\"p-1\"", "\"subject\":\"p-1\",\"extra\":1"), "events[0]");
    refuses(with("\"from\":1", "\"from\":1,\"from\":1"), "duplicate");
    refuses(with("\"time_us\":1700000001000000", "\"time_us\":9223372036854775808"), "time_us");
    refuses("[]", "object");
    refuses(R"({"checkpoint":{},"from":0})", "checkpoint");
    refuses(std::string(kMaxWitnessMessageBytes + 1, ' '), "");
}

TEST(WitnessMessages, RepliesAreACosignatureOrARefusal) {
    WitnessCosigned c{"w1", "s1", 2, kHash, 10, 11, kSig};
    auto parsed = parseWitnessReply(encode(c));
    ASSERT_TRUE(parsed) << parsed.error;
    ASSERT_TRUE(std::holds_alternative<WitnessCosigned>(*parsed.value));
    EXPECT_EQ(encode(std::get<WitnessCosigned>(*parsed.value)), encode(c));

    WitnessRefused r{"w1", "not_extending", "the events do not reach the head", 2, 1};
    parsed = parseWitnessReply(encode(r));
    ASSERT_TRUE(parsed) << parsed.error;
    ASSERT_TRUE(std::holds_alternative<WitnessRefused>(*parsed.value));
    EXPECT_EQ(std::get<WitnessRefused>(*parsed.value).reason, "not_extending");

    EXPECT_FALSE(
        parseWitnessReply(R"({"witness":"w1","refused":"","detail":"","tree_size":1,"from":0})"));
    EXPECT_FALSE(parseWitnessReply(encode(WitnessCosigned{"W 1", "s1", 2, kHash, 10, 11, kSig})));
}

TEST(WitnessMessages, StateRoundTripsAndNeedsASignatureBeyondZero) {
    WitnessState fresh{"w1", "s1", 0, std::string(64, '0'), 0, 0, 0, ""};
    auto parsed = parseWitnessState(encode(fresh));
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(encode(*parsed.value), encode(fresh));
    WitnessState unsigned_{"w1", "s1", 5, kHash, 1, 2, 3, ""};
    EXPECT_FALSE(parseWitnessState(encode(unsigned_)));
    unsigned_.signature = kSig;
    EXPECT_TRUE(parseWitnessState(encode(unsigned_)));
}

}  // namespace
}  // namespace sekimori::protocol
