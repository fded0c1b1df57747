// Hub timers (power/hub_timers.hpp): the hubs of the My Number network are powered only inside
// their schedule or an approved override; every switch counts only once the relay reads it back.
#include "power/hub_timers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "power/hub_event_types.hpp"

namespace sekimori::power {
namespace {

using json = nlohmann::json;

constexpr core::TimeUs kSecond = 1'000'000;
constexpr core::TimeUs kMinute = 60 * kSecond;
// Wednesday 2026-12-02 18:00 JST (09:00 UTC): the end of business hours.
constexpr core::TimeUs kWed1800 = 1'796'202'000LL * kSecond;

HubTimerSpec businessHours() {
    HubTimerSpec spec;
    spec.config.id = "hub-a";
    spec.config.name = "Terminal hub A";
    spec.config.relay.device = "relay-hubs";
    spec.config.relay.coil = 0;
    spec.config.schedule = "business-hours";
    spec.config.allowOverride = true;
    spec.schedule.id = "business-hours";
    spec.schedule.windows = {policy::WeeklyWindow{policy::kWeekdays, 9 * 60, 18 * 60}};
    spec.point = "coil_0";
    return spec;
}

class HubTimersTest : public ::testing::Test {
  protected:
    HubTimers timers{{businessHours()}, HubTimerOptions{}};
    HubStep last;

    HubStep at(core::TimeUs now, std::optional<bool> on, core::TimeUs readUs) {
        HubReading reading;
        reading.on = on;
        reading.timeUs = readUs;
        reading.quality = on ? "good" : "stale";
        last = timers.evaluate({{"hub-a", reading}}, now);
        return last;
    }
    HubStep at(core::TimeUs now, std::optional<bool> on) { return at(now, on, now); }

    // The write the last step asked for, echoed 100 ms later and read back 300 ms later.
    void echoAndRead(core::TimeUs asked, bool on) {
        ASSERT_EQ(last.writes.size(), 1U);
        EXPECT_EQ(last.writes[0].on, on);
        const auto id = last.writes[0].id;
        EXPECT_TRUE(timers.writeDone(id, true, "", "", asked + 100'000).events.empty());
        at(asked + 300'000, on);
    }

    static std::vector<std::string> types(const HubStep& step) {
        std::vector<std::string> out;
        for (const auto& e : step.events) {
            out.push_back(e.type);
        }
        return out;
    }
    static json payload(const HubStep& step, std::string_view type) {
        for (const auto& e : step.events) {
            if (e.type == type) {
                return json::parse(e.payload);
            }
        }
        return nullptr;
    }
};

TEST_F(HubTimersTest, TheHubIsCutAtTheEndOfItsWindowAfterAWarning) {
    at(kWed1800 - 20 * kMinute, true);
    ASSERT_EQ(last.writes.size(), 1U);  // the first reading: the desired state is re-asserted
    EXPECT_EQ(last.writes[0].point, "coil_0");
    echoAndRead(kWed1800 - 20 * kMinute, true);
    EXPECT_EQ(payload(last, kHubSwitched.name).value("cause", ""), "reassert");

    at(kWed1800 - 5 * kMinute, true);
    const json warning = payload(last, kHubCutWarning.name);
    ASSERT_TRUE(warning.is_object()) << "the users hear of the cut before it";
    EXPECT_EQ(warning["cut_at_us"], kWed1800);
    EXPECT_EQ(warning["minutes_left"], 5);
    EXPECT_TRUE(last.writes.empty());
    at(kWed1800 - 4 * kMinute, true);
    EXPECT_TRUE(payload(last, kHubCutWarning.name).is_null()) << "warned once per cut";

    at(kWed1800, true);
    ASSERT_EQ(last.writes.size(), 1U);
    EXPECT_FALSE(last.writes[0].on);
    EXPECT_TRUE(payload(last, kHubOutsideWindow.name).is_null())
        << "the cut is on its way: no alarm yet";
    echoAndRead(kWed1800, false);
    const json switched = payload(last, kHubSwitched.name);
    EXPECT_EQ(switched["state"], "off");
    EXPECT_EQ(switched["was"], "on");
    EXPECT_EQ(switched["cause"], "window_closed");
    EXPECT_EQ(switched["took_ms"], 300);
    EXPECT_EQ(timers.hubView("hub-a", kWed1800 + kSecond)["state"], "off");
}

TEST_F(HubTimersTest, AnApprovedOverridePowersTheHubAndExpiresByItself) {
    const core::TimeUs t = kWed1800 + kMinute * 60;  // 19:00, outside the window
    at(t, false);
    echoAndRead(t, false);  // re-asserted off
    HubOverride o;
    o.approval = "apr-7";
    o.hub = "hub-a";
    o.fromUs = t + kMinute;
    o.untilUs = t + 31 * kMinute;
    o.reason = "year-end batch";
    o.requestedBy = "facility";
    o.approvedBy = "security2";
    EXPECT_TRUE(timers.addOverride(o, t + kSecond).events.empty());
    at(t + 2 * kSecond, false);
    EXPECT_TRUE(last.writes.empty()) << "not before the window asked for";

    at(t + kMinute, false);
    EXPECT_EQ(types(last), std::vector<std::string>{std::string(kHubOverrideStarted.name)});
    ASSERT_EQ(last.writes.size(), 1U);
    echoAndRead(t + kMinute, true);
    EXPECT_EQ(payload(last, kHubSwitched.name)["cause"], "override_started");
    EXPECT_EQ(timers.hubView("hub-a", t + 2 * kMinute)["override"]["approval"], "apr-7");

    at(t + 21 * kMinute, true);
    EXPECT_EQ(payload(last, kHubCutWarning.name)["cut_at_us"], t + 31 * kMinute);

    at(t + 31 * kMinute, true);
    EXPECT_EQ(payload(last, kHubOverrideEnded.name)["reason"], "expired");
    ASSERT_EQ(last.writes.size(), 1U);
    echoAndRead(t + 31 * kMinute, false);
    EXPECT_EQ(payload(last, kHubSwitched.name)["cause"], "override_ended");
    EXPECT_TRUE(timers.hubView("hub-a", t + 32 * kMinute)["override"].is_null());
}

TEST_F(HubTimersTest, ARelayThatStaysOnRaisesAnAlarmAndIsRetried) {
    at(kWed1800 - kMinute, true);
    echoAndRead(kWed1800 - kMinute, true);
    at(kWed1800, true);
    const auto id = last.writes.at(0).id;
    timers.writeDone(id, true, "", "", kWed1800 + 100'000);
    at(kWed1800 + 5 * kSecond, true);  // echoed, yet the relay still reads on
    EXPECT_TRUE(last.events.empty());
    at(kWed1800 + 10 * kSecond, true);
    EXPECT_EQ(payload(last, kHubSwitchFailed.name)["error"], "unconfirmed");
    EXPECT_EQ(payload(last, kHubOutsideWindow.name)["state"], "active")
        << "powered while it should be cut, and nothing of ours is on its way";
    EXPECT_TRUE(last.writes.empty()) << "retried at its pace, not on every step";
    EXPECT_TRUE(timers.hubView("hub-a", kWed1800 + 10 * kSecond)["outside_window"]);

    at(kWed1800 + 40 * kSecond, true);
    ASSERT_EQ(last.writes.size(), 1U) << "tried again after retry_after";
    EXPECT_EQ(last.writes[0].on, false);
    echoAndRead(kWed1800 + 40 * kSecond, false);
    EXPECT_EQ(payload(last, kHubSwitched.name)["cause"], "correction");
    EXPECT_EQ(payload(last, kHubOutsideWindow.name)["state"], "cleared");
}

TEST_F(HubTimersTest, AWriteTheDeviceRefusesFailsAtOnce) {
    at(kWed1800, true);
    const auto id = last.writes.at(0).id;
    const HubStep failed = timers.writeDone(id, false, "exception", "illegal address", kWed1800);
    EXPECT_EQ(payload(failed, kHubSwitchFailed.name)["message"], "illegal address");
    // A late answer to a write already given up on is not taken for the next one.
    EXPECT_TRUE(timers.writeDone(id, true, "", "", kWed1800 + kSecond).events.empty());
}

TEST_F(HubTimersTest, ALostLinkIsUnknownNeverOffAndTheStateIsReassertedWhenBack) {
    at(kWed1800 - 30 * kMinute, true);
    echoAndRead(kWed1800 - 30 * kMinute, true);
    at(kWed1800 - 29 * kMinute, std::nullopt);
    EXPECT_EQ(payload(last, kHubUnknown.name)["state"], "active");
    EXPECT_EQ(timers.hubView("hub-a", kWed1800 - 29 * kMinute)["state"], "unknown");
    EXPECT_TRUE(last.writes.empty()) << "nothing is written that cannot be read back";
    at(kWed1800 - 28 * kMinute, true);
    EXPECT_EQ(payload(last, kHubUnknown.name)["state"], "cleared");
    ASSERT_EQ(last.writes.size(), 1U) << "re-asserted although it reads the state wanted";
    echoAndRead(kWed1800 - 28 * kMinute, true);
    EXPECT_EQ(payload(last, kHubSwitched.name)["cause"], "reassert");
}

TEST_F(HubTimersTest, ARestartRestoresTheOverrideFromTheTrailAndReasserts) {
    HubTimers restarted{{businessHours()}, HubTimerOptions{}};
    const core::TimeUs t = kWed1800 + 2 * 60 * kMinute;  // 20:00
    json approved{{"approval", "apr-9"},       {"hub", "hub-a"},
                  {"from_us", t - kMinute},    {"until_us", t + 60 * kMinute},
                  {"reason", "migration"},     {"requested_by", "facility"},
                  {"approved_by", "security2"}};
    restarted.apply(core::Event{t - kMinute, std::string(kHubOverrideApproved.name), "hub:hub-a",
                                "facility", approved.dump()});
    restarted.apply(core::Event{t - kMinute, std::string(kHubOverrideStarted.name), "hub:hub-a", "",
                                json{{"hub", "hub-a"}, {"approval", "apr-9"}}.dump()});
    HubReading on;
    on.on = true;
    on.timeUs = t;
    on.quality = "good";
    const HubStep step = restarted.evaluate({{"hub-a", on}}, t);
    EXPECT_TRUE(payload(step, kHubOverrideStarted.name).is_null()) << "started before the restart";
    ASSERT_EQ(step.writes.size(), 1U);
    EXPECT_TRUE(step.writes[0].on) << "the restored override keeps the work's network up";
    // An override the trail says ended is not restored.
    HubTimers ended{{businessHours()}, HubTimerOptions{}};
    ended.apply(core::Event{t - kMinute, std::string(kHubOverrideApproved.name), "hub:hub-a",
                            "facility", approved.dump()});
    ended.apply(core::Event{t, std::string(kHubOverrideEnded.name), "hub:hub-a", "",
                            json{{"hub", "hub-a"}, {"approval", "apr-9"}}.dump()});
    const HubStep off = ended.evaluate({{"hub-a", on}}, t);
    ASSERT_EQ(off.writes.size(), 1U);
    EXPECT_FALSE(off.writes[0].on);
}

TEST_F(HubTimersTest, NoReadingAtStartIsNotAnAlarmUntilTheGraceIsOver) {
    at(kWed1800 - 60 * kMinute, std::nullopt);
    EXPECT_TRUE(last.events.empty());
    at(kWed1800 - 60 * kMinute + 11 * kSecond, std::nullopt);
    EXPECT_EQ(payload(last, kHubUnknown.name)["state"], "active");
}

}  // namespace
}  // namespace sekimori::power
