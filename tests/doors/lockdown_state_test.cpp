// Lockdowns by site and by zone: what each covers, start and lift, and the rebuild from the
// trail's zone.lockdown_* events.
#include "doors/lockdown_state.hpp"

#include <gtest/gtest.h>

namespace sekimori::doors {
namespace {

constexpr core::TimeUs t0 = 1'780'000'000'000'000;

LockdownState site() {
    // site > bldg > floor2 > handling, server; site > yard
    return LockdownState({{"bldg", "site"},
                          {"floor2", "bldg"},
                          {"handling", "floor2"},
                          {"server", "floor2"},
                          {"yard", "site"},
                          {"site", ""}});
}

Lockdown zone(std::string id) {
    return Lockdown{LockdownScope::zone, std::move(id), t0, "", ""};
}

TEST(LockdownState, AZoneLockdownCoversItsDescendantsOnly) {
    LockdownState s = site();
    EXPECT_FALSE(s.any());
    ASSERT_TRUE(s.start(zone("floor2")));
    struct Row {
        const char* zone;
        bool covered;
    };
    for (const Row row :
         {Row{"floor2", true}, Row{"handling", true}, Row{"server", true}, Row{"bldg", false},
          Row{"site", false}, Row{"yard", false}, Row{"unknown", false}}) {
        EXPECT_EQ(s.covers(row.zone), row.covered) << row.zone;
    }
}

TEST(LockdownState, ASiteLockdownCoversEveryZone) {
    LockdownState s = site();
    ASSERT_TRUE(s.start(Lockdown{LockdownScope::site, "", t0, "drill", "alice"}));
    for (const char* z : {"site", "bldg", "handling", "yard", "unknown"}) {
        EXPECT_TRUE(s.covers(z)) << z;
    }
    EXPECT_FALSE(s.start(Lockdown{LockdownScope::site, "", t0, "again", "bob"}));
    EXPECT_TRUE(s.lift(LockdownScope::site, ""));
    EXPECT_FALSE(s.covers("handling"));
    EXPECT_FALSE(s.lift(LockdownScope::site, ""));
}

TEST(LockdownState, LiftingOneZoneLeavesAnother) {
    LockdownState s = site();
    s.start(zone("server"));
    s.start(zone("bldg"));
    EXPECT_FALSE(s.start(zone("server"))) << "already in force";
    EXPECT_TRUE(s.lift(LockdownScope::zone, "bldg"));
    EXPECT_TRUE(s.covers("server"));
    EXPECT_FALSE(s.covers("handling"));
    EXPECT_FALSE(s.lift(LockdownScope::zone, "handling")) << "covered only through bldg before";
}

TEST(LockdownState, AZoneCalledSiteIsNotTheSiteWideLockdown) {
    LockdownState s = site();
    s.start(zone("site"));  // the root zone's own lockdown
    EXPECT_TRUE(s.covers("handling"));
    EXPECT_FALSE(s.lift(LockdownScope::site, "")) << "no site-wide lockdown was started";
    EXPECT_TRUE(s.lift(LockdownScope::zone, "site"));
}

TEST(LockdownState, ACycleInTheParentMapDoesNotHang) {
    LockdownState s({{"a", "b"}, {"b", "a"}});
    s.start(zone("c"));
    EXPECT_FALSE(s.covers("a"));
}

TEST(LockdownState, ReplaysTheTrail) {
    LockdownState s = site();
    s.replay("zone.lockdown_started",
             {{"scope", "zone"}, {"target", "server"}, {"comment", "c"}, {"actor", "alice"}}, t0);
    s.replay("zone.lockdown_started", {{"scope", "site"}, {"target", "site"}}, t0 + 1);
    s.replay("zone.lockdown_lifted", {{"scope", "site"}, {"target", "site"}}, t0 + 2);
    s.replay("zone.lockdown_started", {{"scope", "galaxy"}, {"target", "x"}}, t0 + 3);
    s.replay("zone.lockdown_started", {{"scope", "zone"}}, t0 + 4);
    s.replay("presence.entered", {{"scope", "zone"}, {"target", "yard"}}, t0 + 5);
    EXPECT_TRUE(s.covers("server"));
    EXPECT_FALSE(s.covers("handling"));
    EXPECT_FALSE(s.covers("yard"));
    const auto json = s.toJson();
    ASSERT_EQ(json["lockdowns"].size(), 1U);
    EXPECT_EQ(json["lockdowns"][0]["scope"], "zone");
    EXPECT_EQ(json["lockdowns"][0]["target"], "server");
    EXPECT_EQ(json["lockdowns"][0]["since_us"], t0);
    EXPECT_EQ(json["lockdowns"][0]["actor"], "alice");
}

TEST(LockdownState, ScopeWords) {
    EXPECT_EQ(lockdownScopeFromString("site"), LockdownScope::site);
    EXPECT_EQ(lockdownScopeFromString("zone"), LockdownScope::zone);
    EXPECT_EQ(lockdownScopeFromString("building"), std::nullopt);
    EXPECT_EQ(toString(LockdownScope::zone), "zone");
}

}  // namespace
}  // namespace sekimori::doors
