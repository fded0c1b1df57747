// Zone control on the real recorder with a manual clock: never-alone raised after the zone's
// grace and cleared at once, from the timer on the io thread; lockdowns covering descendant
// zones with exempt groups; forgiveness once; and all of it rebuilt from the trail on the
// credential cache's reader thread after a restart.
#include "doors/zone_control.hpp"

#include <gtest/gtest.h>

#include "doors/door_event_types.hpp"
#include "doors/zone_rebuild.hpp"
#include "tests/doors/zone_test_fixture.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

class ZoneControlTest : public test::ZoneFixture {
  protected:
    ZoneControl::Actor desk() const {
        return {"operator:desk-1", {{"actor", "desk-1"}, {"role", "operator"}}, "desk-1"};
    }
    // Runs an operation and waits for its answer.
    core::Result<void> await(const std::function<void(ZoneControl::Done)>& op) {
        std::optional<core::Result<void>> out;
        op([&](const core::Result<void>& r) { out = r; });
        EXPECT_TRUE(runUntil([&] { return out.has_value(); }));
        return out.value_or(core::makeError("test", "no answer"));
    }
    core::Result<std::string> awaitForgive(ZoneControl& zones, const std::string& person) {
        std::optional<core::Result<std::string>> out;
        zones.forgive(desk(), person, "badge reader at the exit was down",
                      [&](const core::Result<std::string>& r) { out = r; });
        EXPECT_TRUE(runUntil([&] { return out.has_value(); }));
        return out.value_or(core::makeError("test", "no answer"));
    }
};

TEST_F(ZoneControlTest, OnePersonLeftAloneRaisesAfterTheGraceAndASecondClearsAtOnce) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    pass("bob", "Bob Kato", "server-room", "handling-area");
    // Bob leaves: Alice is alone from now.
    const core::TimeUs aloneSince = clock_.nowUs() + 1'000'000;
    clock_.set(aloneSince);
    pass("bob", "Bob Kato", "handling-area", "server-room");
    clock_.advanceMs(2'999);
    zones_->checkDeadlines();
    EXPECT_EQ(countOf("zone.alone"), 0) << "raised before alone_grace_s (3 s)";

    clock_.advanceMs(1);
    zones_->checkDeadlines();
    ASSERT_EQ(countOf("zone.alone"), 1);
    const auto alone = lastPayload("zone.alone");
    EXPECT_EQ(alone["zone"], "handling-area");
    EXPECT_EQ(alone["person"], "alice");
    EXPECT_EQ(alone["person_name"], "Alice Sato");
    EXPECT_EQ(alone["since_us"], aloneSince);
    EXPECT_EQ(alone["(source)"], "zone:handling-area");
    EXPECT_EQ(alone["(subject)"], "alice");
    const auto state = zones_->toJson();
    ASSERT_EQ(state["alone"].size(), 1U);
    EXPECT_EQ(state["alone"][0]["person_name"], "Alice Sato");

    // No second raise while she stays alone.
    clock_.advanceMs(60'000);
    zones_->checkDeadlines();
    EXPECT_EQ(countOf("zone.alone"), 1);

    // Carol arrives: cleared in the same call, no timer involved.
    pass("carol", "Carol Ito", "server-room", "handling-area");
    ASSERT_EQ(countOf("zone.alone_cleared"), 1);
    const auto cleared = lastPayload("zone.alone_cleared");
    EXPECT_EQ(cleared["zone"], "handling-area");
    EXPECT_EQ(cleared["count"], 2);
    EXPECT_EQ(cleared["(source)"], "zone:handling-area");
    EXPECT_TRUE(zones_->toJson()["alone"].empty());
}

TEST_F(ZoneControlTest, TheLastOneLeavingClearsWithCountZero) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    clock_.advanceMs(3'000);
    zones_->checkDeadlines();
    ASSERT_EQ(countOf("zone.alone"), 1);
    pass("alice", "Alice Sato", "handling-area", "server-room");
    ASSERT_EQ(countOf("zone.alone_cleared"), 1);
    EXPECT_EQ(lastPayload("zone.alone_cleared")["count"], 0);
}

TEST_F(ZoneControlTest, ASecondPersonWithinTheGraceRaisesNothing) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    clock_.advanceMs(2'000);
    pass("bob", "Bob Kato", "server-room", "handling-area");
    clock_.advanceMs(10'000);
    zones_->checkDeadlines();
    EXPECT_EQ(countOf("zone.alone"), 0);
    EXPECT_EQ(countOf("zone.alone_cleared"), 0);
    EXPECT_EQ(zones_->toJson()["never_alone"]["handling-area"]["state"], "ok");
}

TEST_F(ZoneControlTest, AZoneWithoutNeverAloneIsNotWatched) {
    pass("alice", "Alice Sato", "corridor", "server-room");
    clock_.advanceMs(60'000);
    zones_->checkDeadlines();
    EXPECT_EQ(countOf("zone.alone"), 0);
}

// The raise comes from the timer on the io executor, armed at the watch's deadline by the
// injected clock: here the clock is already past it when presence changes, so the timer is due
// at once and fires from io_.run (no test call to checkDeadlines).
TEST_F(ZoneControlTest, TheTimerOnTheIoExecutorRaisesWhenTheGraceIsOver) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    clock_.advanceMs(3'500);
    zones_->presenceChanged("lobby");  // any change re-arms
    EXPECT_TRUE(runUntil([&] { return countOf("zone.alone") == 1; }));
}

TEST_F(ZoneControlTest, AZoneLockdownCoversItsDescendantsAndExemptsTheGuards) {
    ASSERT_TRUE(await([&](auto done) {
        zones_->startLockdown(desk(), LockdownScope::zone, "server-room", "drill", done);
    }));
    EXPECT_TRUE(zones_->lockedDown("server-room"));
    EXPECT_TRUE(zones_->lockedDown("handling-area"));
    EXPECT_FALSE(zones_->lockedDown("corridor"));
    EXPECT_FALSE(zones_->lockedDown("lobby"));
    EXPECT_TRUE(zones_->exempt({"staff", "guards"}));
    EXPECT_FALSE(zones_->exempt({"staff"}));
    EXPECT_EQ(zones_->exemptGroups(), std::vector<std::string>{"guards"});
    const auto started = lastPayload("zone.lockdown_started");
    EXPECT_EQ(started["scope"], "zone");
    EXPECT_EQ(started["target"], "server-room");
    EXPECT_EQ(started["comment"], "drill");
    EXPECT_EQ(started["actor"], "desk-1");
    EXPECT_EQ(started["role"], "operator");
    EXPECT_EQ(started["(source)"], "operator:desk-1");

    auto again = await([&](auto done) {
        zones_->startLockdown(desk(), LockdownScope::zone, "server-room", "twice", done);
    });
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, kZoneLockdownActive);
    EXPECT_EQ(countOf("zone.lockdown_started"), 1);

    ASSERT_TRUE(await([&](auto done) {
        zones_->liftLockdown(desk(), LockdownScope::zone, "server-room", "drill over", done);
    }));
    EXPECT_FALSE(zones_->lockedDown("handling-area"));
    EXPECT_EQ(lastPayload("zone.lockdown_lifted")["target"], "server-room");
    auto liftAgain = await([&](auto done) {
        zones_->liftLockdown(desk(), LockdownScope::zone, "server-room", "again", done);
    });
    ASSERT_FALSE(liftAgain);
    EXPECT_EQ(liftAgain.error().code, kZoneNotLockedDown);
}

TEST_F(ZoneControlTest, ALockdownIsInForceOnlyOnceItIsDurable) {
    bool answered = false;
    zones_->startLockdown(desk(), LockdownScope::site, "", "fire alarm",
                          [&](const core::Result<void>& r) {
                              EXPECT_TRUE(r);
                              // The event is in the trail when the state changes.
                              EXPECT_EQ(eventCountNow("zone.lockdown_started"), 1);
                              answered = true;
                          });
    // While the commit is on its way a second start of the same lockdown is refused.
    auto second = await(
        [&](auto done) { zones_->startLockdown(desk(), LockdownScope::site, "", "again", done); });
    EXPECT_FALSE(second);
    ASSERT_TRUE(runUntil([&] { return answered; }));
    EXPECT_TRUE(zones_->lockedDown("lobby"));
    EXPECT_EQ(lastPayload("zone.lockdown_started")["target"], "site");
}

TEST_F(ZoneControlTest, AForgivenessNamesTheRecordedZoneAndLastsUntilConsumed) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    auto forgiven = awaitForgive(*zones_, "alice");
    ASSERT_TRUE(forgiven) << forgiven.error().message;
    EXPECT_EQ(*forgiven, "Alice Sato");
    EXPECT_TRUE(zones_->forgiven("alice"));
    EXPECT_FALSE(zones_->forgiven("bob"));
    const auto event = lastPayload("access.passback_forgiven");
    EXPECT_EQ(event["person"], "alice");
    EXPECT_EQ(event["person_name"], "Alice Sato");
    EXPECT_EQ(event["zone"], "handling-area");
    EXPECT_EQ(event["comment"], "badge reader at the exit was down");
    EXPECT_EQ(event["actor"], "desk-1");
    EXPECT_EQ(event["(subject)"], "alice");

    auto twice = awaitForgive(*zones_, "alice");
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, kZoneAlreadyForgiven);
    zones_->consumeForgiveness("alice");
    EXPECT_FALSE(zones_->forgiven("alice"));
}

TEST_F(ZoneControlTest, AnUnknownPersonIsNotForgivenAndNothingIsRecorded) {
    auto r = awaitForgive(*zones_, "nobody");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, kZoneUnknownPerson);
    EXPECT_EQ(countOf("access.passback_forgiven"), 0);
    EXPECT_FALSE(zones_->forgiven("nobody"));
}

TEST_F(ZoneControlTest, ARestartRestoresLockdownsForgivenessAndTheMusterFromTheTrail) {
    ASSERT_TRUE(await([&](auto done) {
        zones_->startLockdown(desk(), LockdownScope::zone, "handling-area", "drill", done);
    }));
    ASSERT_TRUE(await(
        [&](auto done) { zones_->startLockdown(desk(), LockdownScope::site, "", "fire", done); }));
    ASSERT_TRUE(await([&](auto done) {
        zones_->liftLockdown(desk(), LockdownScope::site, "", "false alarm", done);
    }));
    ASSERT_TRUE(awaitForgive(*zones_, "alice"));
    ASSERT_TRUE(awaitForgive(*zones_, "bob"));
    // Bob's next entry (as a companion of Carol's grant) uses his forgiveness up.
    recorder_->record(core::Event{clock_.nowUs(), std::string(kAccessGranted.name), "door:hx-door",
                                  "carol",
                                  nlohmann::json{{"door", "hx-door"},
                                                 {"side", "entry"},
                                                 {"person", "carol"},
                                                 {"companions", {{{"person", "bob"}}}}}
                                      .dump()});
    // Alice's exit does not.
    recorder_->record(core::Event{
        clock_.nowUs(), std::string(kAccessGranted.name), "door:hx-door", "alice",
        nlohmann::json{{"door", "hx-door"}, {"side", "exit"}, {"person", "alice"}}.dump()});
    pass("carol", "Carol Ito", "lobby", "corridor");
    ASSERT_TRUE(await([&](auto done) { zones_->startMuster(desk(), "drill", done); }));

    auto& after = restart();
    EXPECT_TRUE(after.zones->lockedDown("handling-area"));
    EXPECT_FALSE(after.zones->lockedDown("corridor")) << "the lifted site lockdown came back";
    EXPECT_TRUE(after.zones->forgiven("alice"));
    EXPECT_FALSE(after.zones->forgiven("bob"));
    const auto lockdowns = after.zones->lockdownJson()["lockdowns"];
    ASSERT_EQ(lockdowns.size(), 1U);
    EXPECT_EQ(lockdowns[0]["target"], "handling-area");
    EXPECT_EQ(lockdowns[0]["comment"], "drill");
    const auto muster = after.zones->musterReport()["muster"];
    ASSERT_TRUE(muster.is_object());
    EXPECT_EQ(muster["on_roll"], 1);
    EXPECT_EQ(muster["actor"], "desk-1");
    EXPECT_EQ(muster["zones"][0]["remaining"][0]["person"], "carol");
}

TEST_F(ZoneControlTest, ARestartDoesNotRaiseAnAloneAlarmTwiceAndClearsOneThatIsOver) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    clock_.advanceMs(3'000);
    zones_->checkDeadlines();
    ASSERT_EQ(countOf("zone.alone"), 1);

    {
        auto& after = restart();
        EXPECT_EQ(countOf("zone.alone"), 1) << "raised again after the restart";
        EXPECT_EQ(after.zones->toJson()["alone"].size(), 1U);
        // The restored alarm clears as a live one does.
        pass(after.presence, *after.zones, "bob", "Bob Kato", "server-room", "handling-area");
        EXPECT_EQ(countOf("zone.alone_cleared"), 1);
    }
}

TEST_F(ZoneControlTest, ARestartWithSomeoneAloneAndNoAlarmYetRaisesAfterTheGrace) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    auto& after = restart();
    clock_.advanceMs(2'000);
    after.zones->checkDeadlines();
    EXPECT_EQ(countOf("zone.alone"), 0);
    clock_.advanceMs(1'000);
    after.zones->checkDeadlines();
    EXPECT_EQ(countOf("zone.alone"), 1);
}

}  // namespace
