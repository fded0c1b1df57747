#include "doors/presence.hpp"

#include <gtest/gtest.h>

using namespace sekimori::doors;

TEST(Presence, EntryMovesAPersonAndExitMovesThemBack) {
    Presence p;
    auto in = p.pass({"alice", "Alice", "srv-door", "corridor", "server-room", 100, {}});
    ASSERT_EQ(in.size(), 2U);
    EXPECT_EQ(in[0].type, "presence.left");
    EXPECT_NE(in[0].payload.find("\"zone\":\"corridor\""), std::string::npos);
    EXPECT_EQ(in[1].type, "presence.entered");
    EXPECT_NE(in[1].payload.find("\"zone\":\"server-room\""), std::string::npos);
    EXPECT_EQ(in[1].subject, "alice");
    EXPECT_EQ(p.zoneOf("alice"), "server-room");
    EXPECT_EQ(p.occupants("server-room"), std::vector<std::string>{"alice"});

    auto out = p.pass({"alice", "Alice", "srv-door", "server-room", "corridor", 200, {}});
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[1].type, "presence.entered");
    EXPECT_TRUE(p.occupants("server-room").empty());
    EXPECT_EQ(p.zoneOf("alice"), "corridor");
}

TEST(Presence, RepeatedPassageIntoTheSameZoneEmitsNothing) {
    Presence p;
    (void)p.pass({"bob", "Bob", "d", "a", "b", 1, {}});
    EXPECT_TRUE(p.pass({"bob", "Bob", "d", "a", "b", 2, {}}).empty());
}

TEST(Presence, MissedPassageLeavesTheZoneActuallyRecorded) {
    Presence p;
    (void)p.pass({"bob", "Bob", "d1", "hall", "office", 1, {}});
    // Bob tailgated out of the office unseen and now enters the server room from the corridor.
    auto e = p.pass({"bob", "Bob", "d2", "corridor", "server-room", 2, {}});
    ASSERT_EQ(e.size(), 2U);
    EXPECT_NE(e[0].payload.find("\"zone\":\"office\""), std::string::npos);
    EXPECT_TRUE(p.occupants("office").empty());
    auto json = p.toJson();
    ASSERT_EQ(json["zones"]["server-room"].size(), 1U);
    EXPECT_EQ(json["zones"]["server-room"][0]["person_name"], "Bob");
    EXPECT_FALSE(json["zones"].contains("office"));
}

TEST(Presence, ReplayingWhatPassEmittedRebuildsTheSameState) {
    Presence live;
    std::vector<sekimori::core::Event> trail;
    const auto keep = [&](std::vector<sekimori::core::Event> events) {
        trail.insert(trail.end(), events.begin(), events.end());
    };
    keep(live.pass({"alice", "Alice", "d1", "corridor", "server-room", 100, {}}));
    keep(live.pass({"bob", "Bob", "d1", "corridor", "server-room", 150, {}}));
    keep(live.pass({"alice", "Alice", "d1", "server-room", "corridor", 200, {}}));
    keep(live.pass({"carol", "Carol", "d2", "lobby", "office", 250, {}}));

    Presence rebuilt;
    for (const auto& e : trail) {
        rebuilt.replay(e.type, nlohmann::json::parse(e.payload), e.timeUs);
    }
    EXPECT_EQ(rebuilt.toJson(), live.toJson());
    EXPECT_EQ(rebuilt.zoneOf("alice"), "corridor");
    EXPECT_EQ(rebuilt.occupants("server-room"), std::vector<std::string>{"bob"});
}

TEST(Presence, ReplayIgnoresAStaleLeaveAndMalformedPayloads) {
    Presence p;
    p.replay("presence.entered", {{"person", "alice"}, {"person_name", "A"}, {"zone", "office"}},
             10);
    // A left for a zone she is no longer in (a missed passage) does not remove her.
    p.replay("presence.left", {{"person", "alice"}, {"zone", "corridor"}}, 20);
    p.replay("presence.entered", {{"zone", "office"}}, 30);  // no person
    p.replay("presence.entered", nlohmann::json::array(), 40);
    p.replay("door.opened", {{"person", "bob"}, {"zone", "office"}}, 50);
    EXPECT_EQ(p.occupants("office"), std::vector<std::string>{"alice"});
    p.replay("presence.left", {{"person", "alice"}, {"zone", "office"}}, 60);
    EXPECT_FALSE(p.zoneOf("alice"));
    EXPECT_TRUE(p.toJson()["zones"].empty());
}
