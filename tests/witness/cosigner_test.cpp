// The witness's decision as a table: it cosigns only a head that extends its own, and refuses
// each insider attack with its reason.
#include "witness/cosigner.hpp"

#include <gtest/gtest.h>

#include "tests/witness/witness_test_chain.hpp"

namespace sekimori::witness {
namespace {

constexpr core::TimeUs kT0 = 1'700'000'000'000'000;
constexpr core::TimeUs kNow = kT0 + 3'600'000'000;

class CosignerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (int i = 0; i < 10; ++i) {
            chain.append(kT0 + i * 1000);
        }
    }
    // The witness after cosigning 1..size at checkpoint time `checkpointUs`.
    CosignerState cosigned(std::uint64_t size, core::TimeUs checkpointUs) {
        auto outcome =
            checkSubmission({}, chain.submit(0, size, checkpointUs), chain.publicKey(), kNow);
        EXPECT_TRUE(std::holds_alternative<Accepted>(outcome));
        return std::get<Accepted>(outcome).next;
    }
    static std::string reasonOf(const std::variant<Accepted, Refusal>& outcome) {
        if (const auto* r = std::get_if<Refusal>(&outcome)) {
            return std::string(refusalReasonName(r->reason));
        }
        return "cosigned";
    }

    test::TestChain chain;
};

TEST_F(CosignerTest, CosignsAHeadThatExtendsItsOwn) {
    const CosignerState first = cosigned(4, kT0 + 10'000);
    EXPECT_EQ(first.treeSize, 4u);
    EXPECT_EQ(first.headHash, chain.headAt(4));
    EXPECT_EQ(first.recordedTimeUs, kT0 + 3000);
    EXPECT_EQ(first.checkpointTimeUs, kT0 + 10'000);

    auto outcome =
        checkSubmission(first, chain.submit(4, 10, kT0 + 20'000), chain.publicKey(), kNow);
    ASSERT_EQ(reasonOf(outcome), "cosigned");
    const auto& accepted = std::get<Accepted>(outcome);
    EXPECT_FALSE(accepted.duplicate);
    EXPECT_EQ(accepted.next, (CosignerState{10, chain.headAt(10), kT0 + 9000, kT0 + 20'000}));
}

TEST_F(CosignerTest, RefusesARewrittenHistoryWithRecomputedHashesAndARealSignature) {
    const CosignerState state = cosigned(6, kT0 + 10'000);
    // Root on the controller host edits event 3, recomputes every hash after it, and lets the
    // running daemon (the real key) sign the forged head.
    chain.events[2].event.payload = R"({"n":3,"forged":true})";
    chain.rechain();
    auto full = chain.submit(0, 10, kT0 + 20'000);
    EXPECT_TRUE(core::verifyCheckpointSignature(full.checkpoint, chain.publicKey()));
    EXPECT_EQ(reasonOf(checkSubmission(state, chain.submit(6, 10, kT0 + 20'000), chain.publicKey(),
                                       kNow)),
              "not_extending");
    // Offering the whole forged history from 0 is a gap: the witness stands at 6.
    EXPECT_EQ(reasonOf(checkSubmission(state, full, chain.publicKey(), kNow)), "gap");
}

TEST_F(CosignerTest, RefusesABackdatedEvent) {
    const CosignerState state = cosigned(5, kT0 + 10'000);
    chain.append(kT0 + 500);  // seq 11, dated before seq 10
    EXPECT_EQ(reasonOf(checkSubmission(state, chain.submit(5, 11, kT0 + 20'000), chain.publicKey(),
                                       kNow)),
              "time_back");
    // Dated before the last cosigned event, even when it is the first of the submit.
    test::TestChain other;
    other.append(kT0 + 5000);
    other.append(kT0 + 6000);
    auto first = checkSubmission({}, other.submit(0, 1, kT0 + 10'000), other.publicKey(), kNow);
    ASSERT_EQ(reasonOf(first), "cosigned");
    other.events[1].event.timeUs = kT0 + 4000;
    other.rechain();
    EXPECT_EQ(reasonOf(checkSubmission(std::get<Accepted>(first).next,
                                       other.submit(1, 2, kT0 + 20'000), other.publicKey(), kNow)),
              "time_back");
}

TEST_F(CosignerTest, RefusesAShrink) {
    const CosignerState state = cosigned(8, kT0 + 10'000);
    EXPECT_EQ(
        reasonOf(checkSubmission(state, chain.submit(5, 5, kT0 + 20'000), chain.publicKey(), kNow)),
        "shrink");
}

TEST_F(CosignerTest, RefusesACheckpointTheControllerKeyDidNotSign) {
    auto submission = chain.submit(0, 4, kT0 + 10'000);
    submission.checkpoint.signature[5] ^= 1;
    EXPECT_EQ(reasonOf(checkSubmission({}, submission, chain.publicKey(), kNow)), "bad_signature");
    test::TestChain forger;  // another key, same events
    EXPECT_EQ(
        reasonOf(checkSubmission({}, chain.submit(0, 4, kT0 + 10'000), forger.publicKey(), kNow)),
        "bad_signature");
}

TEST_F(CosignerTest, RefusesGapsAndMissingEvents) {
    const CosignerState state = cosigned(4, kT0 + 10'000);
    auto skipping = chain.submit(4, 10, kT0 + 20'000);
    skipping.events.erase(skipping.events.begin() + 2);  // seq 7 dropped
    EXPECT_EQ(reasonOf(checkSubmission(state, skipping, chain.publicKey(), kNow)), "gap");
    auto late = chain.submit(5, 10, kT0 + 20'000);  // starts after 5, witness is at 4
    EXPECT_EQ(reasonOf(checkSubmission(state, late, chain.publicKey(), kNow)), "gap");
    auto renumbered = chain.submit(4, 10, kT0 + 20'000);
    std::swap(renumbered.events[0], renumbered.events[1]);
    EXPECT_EQ(reasonOf(checkSubmission(state, renumbered, chain.publicKey(), kNow)), "gap");
}

TEST_F(CosignerTest, RefusesCheckpointTimesThatGoBackOrRunAhead) {
    const CosignerState state = cosigned(4, kT0 + 10'000);
    EXPECT_EQ(
        reasonOf(checkSubmission(state, chain.submit(4, 10, kT0 + 9'000), chain.publicKey(), kNow)),
        "checkpoint_time_back");
    EXPECT_EQ(reasonOf(checkSubmission(state, chain.submit(4, 10, kNow + 301'000'000),
                                       chain.publicKey(), kNow)),
              "future_checkpoint");
}

TEST_F(CosignerTest, AResentSubmitOfTheCosignedHeadIsADuplicate) {
    const CosignerState state = cosigned(4, kT0 + 10'000);
    auto again = checkSubmission(state, chain.submit(4, 4, kT0 + 10'000), chain.publicKey(), kNow);
    ASSERT_EQ(reasonOf(again), "cosigned");
    EXPECT_TRUE(std::get<Accepted>(again).duplicate);
    EXPECT_EQ(std::get<Accepted>(again).next, state);
    auto resent = checkSubmission(state, chain.submit(0, 4, kT0 + 10'000), chain.publicKey(), kNow);
    ASSERT_EQ(reasonOf(resent), "cosigned");
    EXPECT_TRUE(std::get<Accepted>(resent).duplicate);
    // Same size, another head: not an extension.
    auto other = chain.submit(4, 4, kT0 + 20'000);
    other.checkpoint = chain.controller.sign(4, chain.headAt(3), kT0 + 20'000);
    EXPECT_EQ(reasonOf(checkSubmission(state, other, chain.publicKey(), kNow)), "not_extending");
}

TEST(CosignerWire, DecodesTheSubmitMessage) {
    test::TestChain chain;
    chain.append(kT0);
    chain.append(kT0 + 1);
    const Submission s = chain.submit(0, 2, kT0 + 5);
    protocol::WitnessSubmit wire;
    wire.checkpoint = {2, core::toHex(s.checkpoint.headHash), s.checkpoint.timeUs,
                       core::toHex(s.checkpoint.signature)};
    wire.from = 0;
    for (const auto& e : s.events) {
        wire.events.push_back({e.seq, e.event.timeUs, e.event.type, e.event.source, e.event.subject,
                               e.event.payload});
    }
    auto parsed = protocol::parseWitnessSubmit(protocol::encode(wire));
    ASSERT_TRUE(parsed) << parsed.error;
    const Submission back = submissionFromWire(*parsed.value);
    EXPECT_TRUE(
        std::holds_alternative<Accepted>(checkSubmission({}, back, chain.publicKey(), kNow)));
}

}  // namespace
}  // namespace sekimori::witness
