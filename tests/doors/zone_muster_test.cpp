// The muster roll (pure): taken from presence, recorded and read back from its payload, and the
// report of who remains and who has left since.
#include "doors/zone_muster.hpp"

#include <gtest/gtest.h>

using namespace sekimori::doors;

namespace {

Presence site() {
    Presence p;
    (void)p.pass({"alice", "Alice", "d1", "corridor", "office", 10, {}});
    (void)p.pass({"bob", "Bob", "d1", "corridor", "office", 11, {}});
    (void)p.pass({"carol", "Carol", "d2", "corridor", "lab", 12, {}});
    return p;
}

TEST(ZoneMuster, TheRollListsEveryoneInsideByZoneAndSurvivesItsPayload) {
    const Presence p = site();
    const MusterRoll roll = takeMusterRoll(p, 100, "desk-1", "drill");
    ASSERT_EQ(roll.people.size(), 3U);
    const nlohmann::json zones = musterZonesJson(roll);
    EXPECT_EQ(zones, nlohmann::json::parse(R"([
        {"zone":"lab","people":[{"person":"carol","person_name":"Carol"}]},
        {"zone":"office","people":[{"person":"alice","person_name":"Alice"},
                                   {"person":"bob","person_name":"Bob"}]}])"));
    const auto back = musterRollFromPayload(
        nlohmann::json{{"zones", zones}, {"actor", "desk-1"}, {"comment", "drill"}}, 100);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->actor, "desk-1");
    EXPECT_EQ(back->comment, "drill");
    EXPECT_EQ(musterZonesJson(*back), zones);
    EXPECT_FALSE(musterRollFromPayload(nlohmann::json{{"actor", "x"}}, 1));
}

TEST(ZoneMuster, TheReportShowsWhoRemainsAndWhoHasLeftAndWhere) {
    Presence p = site();
    const MusterRoll roll = takeMusterRoll(p, 100, "desk-1", "fire");
    (void)p.pass({"bob", "Bob", "d1", "office", "corridor", 120, {}});
    const auto report = musterJson(p, roll);
    EXPECT_EQ(report["zones"]["corridor"][0]["person"], "bob");
    const auto& m = report["muster"];
    EXPECT_EQ(m["on_roll"], 3);
    EXPECT_EQ(m["left_count"], 1);
    EXPECT_EQ(m["started_us"], 100);
    EXPECT_EQ(m["zones"][0]["zone"], "lab");
    EXPECT_EQ(m["zones"][0]["remaining"][0]["person"], "carol");
    EXPECT_TRUE(m["zones"][0]["left"].empty());
    EXPECT_EQ(m["zones"][1]["remaining"][0]["person"], "alice");
    EXPECT_EQ(
        m["zones"][1]["left"][0],
        (nlohmann::json{{"person", "bob"}, {"person_name", "Bob"}, {"now_zone", "corridor"}}));
    EXPECT_TRUE(musterJson(p, std::nullopt)["muster"].is_null());
}

}  // namespace
