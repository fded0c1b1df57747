// Never alone as a table over an injected clock: one person left inside raises after the
// grace, a second arriving or the last leaving clears at once.
#include "doors/never_alone.hpp"

#include <gtest/gtest.h>

namespace sekimori::doors {
namespace {

constexpr core::TimeUs kSecond = 1'000'000;
constexpr core::TimeUs t0 = 1'780'000'000 * kSecond;
const std::vector<std::string> nobody{};
const std::vector<std::string> ann{"ann"};
const std::vector<std::string> bob{"bob"};
const std::vector<std::string> annAndBob{"ann", "bob"};

NeverAloneWatch handlingWatch() {
    NeverAloneWatch w;
    w.watch("handling", 3 * kSecond);
    return w;
}

TEST(NeverAlone, OnePersonLeftAloneRaisesAfterTheGrace) {
    NeverAloneWatch w = handlingWatch();
    EXPECT_TRUE(w.update("handling", annAndBob, t0).empty());
    EXPECT_EQ(w.nextDeadline(), std::nullopt);
    EXPECT_TRUE(w.update("handling", ann, t0 + kSecond).empty());  // bob left
    EXPECT_EQ(w.nextDeadline(), t0 + 4 * kSecond);
    EXPECT_TRUE(w.tick(t0 + 4 * kSecond - 1).empty());
    const auto raised = w.tick(t0 + 4 * kSecond);
    ASSERT_EQ(raised.size(), 1U);
    const auto& r = std::get<AloneRaised>(raised[0]);
    EXPECT_EQ(r.zone, "handling");
    EXPECT_EQ(r.person, "ann");
    EXPECT_EQ(r.sinceUs, t0 + kSecond);
    EXPECT_TRUE(w.raised("handling"));
    EXPECT_EQ(w.nextDeadline(), std::nullopt);
    EXPECT_TRUE(w.tick(t0 + 10 * kSecond).empty()) << "raised once";
    EXPECT_TRUE(w.update("handling", ann, t0 + 11 * kSecond).empty()) << "still the same alarm";
}

TEST(NeverAlone, ASecondPersonClearsAtOnce) {
    NeverAloneWatch w = handlingWatch();
    w.update("handling", ann, t0);
    w.tick(t0 + 3 * kSecond);
    const auto cleared = w.update("handling", annAndBob, t0 + 20 * kSecond);
    ASSERT_EQ(cleared.size(), 1U);
    EXPECT_EQ(std::get<AloneCleared>(cleared[0]).count, 2U);
    EXPECT_FALSE(w.raised("handling"));
}

TEST(NeverAlone, TheLastLeavingClearsWithCountZero) {
    NeverAloneWatch w = handlingWatch();
    w.update("handling", ann, t0);
    w.tick(t0 + 3 * kSecond);
    const auto cleared = w.update("handling", nobody, t0 + 5 * kSecond);
    ASSERT_EQ(cleared.size(), 1U);
    EXPECT_EQ(std::get<AloneCleared>(cleared[0]).count, 0U);
}

TEST(NeverAlone, LeavingWithinTheGraceRaisesNothing) {
    NeverAloneWatch w = handlingWatch();
    w.update("handling", ann, t0);
    EXPECT_TRUE(w.update("handling", annAndBob, t0 + 2 * kSecond).empty());
    EXPECT_EQ(w.nextDeadline(), std::nullopt);
    EXPECT_TRUE(w.tick(t0 + 60 * kSecond).empty());
}

TEST(NeverAlone, ASwapKeepsCountingFromTheNewPersonUnlessRaised) {
    NeverAloneWatch w = handlingWatch();
    w.update("handling", ann, t0);
    w.update("handling", bob, t0 + 2 * kSecond);  // ann out, bob in, between two updates
    EXPECT_EQ(w.nextDeadline(), t0 + 5 * kSecond);
    const auto raised = w.tick(t0 + 5 * kSecond);
    ASSERT_EQ(raised.size(), 1U);
    EXPECT_EQ(std::get<AloneRaised>(raised[0]).person, "bob");
    EXPECT_TRUE(w.update("handling", ann, t0 + 6 * kSecond).empty()) << "still one alone";
}

TEST(NeverAlone, GraceZeroRaisesOnTheUpdate) {
    NeverAloneWatch w;
    w.watch("vault", 0);
    const auto raised = w.update("vault", ann, t0);
    ASSERT_EQ(raised.size(), 1U);
    EXPECT_TRUE(std::holds_alternative<AloneRaised>(raised[0]));
}

TEST(NeverAlone, UnwatchedZonesAreIgnored) {
    NeverAloneWatch w = handlingWatch();
    EXPECT_TRUE(w.update("lobby", ann, t0).empty());
    EXPECT_FALSE(w.watches("lobby"));
    EXPECT_EQ(w.nextDeadline(), std::nullopt);
}

TEST(NeverAlone, TheEarliestDeadlineAcrossZones) {
    NeverAloneWatch w = handlingWatch();
    w.watch("server", 10 * kSecond);
    w.update("server", bob, t0);
    w.update("handling", ann, t0 + kSecond);
    EXPECT_EQ(w.nextDeadline(), t0 + 4 * kSecond);
    EXPECT_EQ(w.tick(t0 + 4 * kSecond).size(), 1U);
    EXPECT_EQ(w.nextDeadline(), t0 + 10 * kSecond);
}

TEST(NeverAlone, ARestoredAlarmIsNotRaisedTwiceAndClears) {
    NeverAloneWatch w = handlingWatch();
    w.restoreRaised("handling", "ann", t0);
    EXPECT_TRUE(w.update("handling", ann, t0 + 60 * kSecond).empty());
    EXPECT_TRUE(w.tick(t0 + 120 * kSecond).empty());
    EXPECT_EQ(w.update("handling", annAndBob, t0 + 121 * kSecond).size(), 1U);
}

TEST(NeverAlone, ToJsonShowsEachState) {
    NeverAloneWatch w = handlingWatch();
    w.watch("server", 3 * kSecond);
    w.watch("vault", 3 * kSecond);
    w.update("handling", ann, t0);
    w.tick(t0 + 3 * kSecond);
    w.update("server", bob, t0 + 3 * kSecond);
    const auto json = w.toJson();
    EXPECT_EQ(json["handling"]["state"], "alone");
    EXPECT_EQ(json["handling"]["person"], "ann");
    EXPECT_EQ(json["server"]["state"], "pending");
    EXPECT_EQ(json["server"]["due_us"], t0 + 6 * kSecond);
    EXPECT_EQ(json["vault"]["state"], "ok");
}

}  // namespace
}  // namespace sekimori::doors
