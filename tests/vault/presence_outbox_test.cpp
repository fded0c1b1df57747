#include "vault/presence_outbox.hpp"

#include <gtest/gtest.h>

namespace sekimori::vault {
namespace {

const std::set<std::string> kAreas{"handling"};
constexpr core::TimeUs kDec2 = 1'796'169'600LL * 1'000'000;

PresencePush pushAt(std::uint64_t id) {
    PresencePush p;
    p.id = id;
    p.kind = "entered";
    p.person = "ann";
    p.area = "handling";
    return p;
}

TEST(PresencePushes, OnlyTheVaultsAreasAndTheChangesItActsOnArePushed) {
    const nlohmann::json entered{{"person", "ann"}, {"person_name", "Ann"}, {"zone", "handling"}};
    auto push = pushFor(7, "presence.entered", entered, kDec2, kAreas);
    ASSERT_TRUE(push);
    EXPECT_EQ(push->kind, "entered");
    EXPECT_EQ(push->id, 7U);
    EXPECT_FALSE(pushFor(8, "presence.entered", {{"person", "ann"}, {"zone", "lobby"}}, 0, kAreas));
    EXPECT_FALSE(pushFor(9, "door.access_granted", entered, 0, kAreas));
    EXPECT_FALSE(pushFor(10, "presence.left", {{"zone", "handling"}}, 0, kAreas));
    EXPECT_TRUE(pushFor(11, "zone.alone_cleared", {{"zone", "handling"}}, 0, kAreas));
    auto ended =
        pushFor(12, "vault.window_ended_inside",
                {{"person", "ann"}, {"area", "handling"}, {"approval_id", "ap-1"}}, 0, kAreas);
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->approvalId, "ap-1");

    const auto j = pushJson(*push, 540);
    EXPECT_EQ(j.at("time"), "2026-12-02T09:00:00+09:00");
    EXPECT_EQ(j.at("time_us"), kDec2);
    EXPECT_EQ(j.at("person_name"), "Ann");
    EXPECT_EQ(nlohmann::json::parse(encodePush(*push, 540)), j);
}

TEST(PresenceOutbox, PushesChainByPrevAndStayUntilAcknowledged) {
    PresenceOutbox outbox;
    ASSERT_NE(outbox.add(pushAt(5)), nullptr);
    ASSERT_NE(outbox.add(pushAt(9)), nullptr);
    EXPECT_EQ(outbox.add(pushAt(9)), nullptr);  // a replay of the same event
    EXPECT_EQ(outbox.add(pushAt(3)), nullptr);
    ASSERT_NE(outbox.add(pushAt(12)), nullptr);
    ASSERT_EQ(outbox.pending().size(), 3U);
    EXPECT_EQ(outbox.pending()[0].prev, 0U);
    EXPECT_EQ(outbox.pending()[1].prev, 5U);
    EXPECT_EQ(outbox.pending()[2].prev, 9U);

    EXPECT_FALSE(outbox.acked(13));  // never sent
    EXPECT_EQ(outbox.pending().size(), 3U);
    EXPECT_TRUE(outbox.acked(9));
    ASSERT_EQ(outbox.pending().size(), 1U);
    EXPECT_EQ(outbox.pending()[0].id, 12U);
    EXPECT_TRUE(outbox.acked(5));  // an older ack moves nothing back
    EXPECT_EQ(outbox.ackedUpto(), 9U);
}

TEST(PresenceOutbox, AFullOutboxDropsTheOldestAndCountsIt) {
    PresenceOutbox outbox(2);
    for (std::uint64_t id = 1; id <= 5; ++id) {
        outbox.add(pushAt(id));
    }
    ASSERT_EQ(outbox.pending().size(), 2U);
    EXPECT_EQ(outbox.pending().front().id, 4U);
    EXPECT_EQ(outbox.dropped(), 3U);
}

TEST(PresenceOutbox, AResumedStreamSkipsWhatWasAcknowledged) {
    PresenceOutbox outbox;
    outbox.resume(0, 6);
    EXPECT_EQ(outbox.add(pushAt(4)), nullptr);
    ASSERT_NE(outbox.add(pushAt(8)), nullptr);
    EXPECT_EQ(outbox.pending().front().prev, 4U);  // the chain still names what came before
}

}  // namespace
}  // namespace sekimori::vault
