#include "doors/presence.hpp"

#include <gtest/gtest.h>

using namespace sekimori::doors;

TEST(Presence, EntryMovesAPersonAndExitMovesThemBack) {
    Presence p;
    auto in = p.pass({"alice", "Alice", "srv-door", "corridor", "server-room", 100});
    ASSERT_EQ(in.size(), 2U);
    EXPECT_EQ(in[0].type, "presence.left");
    EXPECT_NE(in[0].payload.find("\"zone\":\"corridor\""), std::string::npos);
    EXPECT_EQ(in[1].type, "presence.entered");
    EXPECT_NE(in[1].payload.find("\"zone\":\"server-room\""), std::string::npos);
    EXPECT_EQ(in[1].subject, "alice");
    EXPECT_EQ(p.zoneOf("alice"), "server-room");
    EXPECT_EQ(p.occupants("server-room"), std::vector<std::string>{"alice"});

    auto out = p.pass({"alice", "Alice", "srv-door", "server-room", "corridor", 200});
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out[1].type, "presence.entered");
    EXPECT_TRUE(p.occupants("server-room").empty());
    EXPECT_EQ(p.zoneOf("alice"), "corridor");
}

TEST(Presence, RepeatedPassageIntoTheSameZoneEmitsNothing) {
    Presence p;
    (void)p.pass({"bob", "Bob", "d", "a", "b", 1});
    EXPECT_TRUE(p.pass({"bob", "Bob", "d", "a", "b", 2}).empty());
}

TEST(Presence, MissedPassageLeavesTheZoneActuallyRecorded) {
    Presence p;
    (void)p.pass({"bob", "Bob", "d1", "hall", "office", 1});
    // Bob tailgated out of the office unseen and now enters the server room from the corridor.
    auto e = p.pass({"bob", "Bob", "d2", "corridor", "server-room", 2});
    ASSERT_EQ(e.size(), 2U);
    EXPECT_NE(e[0].payload.find("\"zone\":\"office\""), std::string::npos);
    EXPECT_TRUE(p.occupants("office").empty());
    auto json = p.toJson();
    ASSERT_EQ(json["zones"]["server-room"].size(), 1U);
    EXPECT_EQ(json["zones"]["server-room"][0]["person_name"], "Bob");
    EXPECT_FALSE(json["zones"].contains("office"));
}
