// The climate watch as tables over an injected time: the delay, the hysteresis, a leak at once,
// the rate window, the dew point, a point that is not good raising nothing, CRAC bits, and the
// power event named by what follows it.
#include "hvac/climate_watch.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hvac/hvac_event_types.hpp"

namespace sekimori::hvac {
namespace {

constexpr core::TimeUs kS = 1'000'000;
constexpr core::TimeUs kT0 = 1'800'000'000 * kS;

HvacConfig site() {
    HvacConfig c;
    c.climate.alarmDelayS = 60;
    c.climate.restoreDelayS = 30;
    c.climate.deadbandC = 0.5;
    c.climate.rateLimitC = 5.0;
    c.climate.rateWindowS = 900;
    c.climate.powerWindowS = 900;
    CracConfig crac;
    crac.id = "crac-1";
    crac.name = "CRAC 1";
    crac.zone = "room";
    crac.device = "crac-dev";
    c.cracUnits.push_back(crac);
    SensorConfig t;
    t.id = "inlet";
    t.name = "Inlet";
    t.zone = "room";
    t.device = "env";
    t.kind = SensorKind::temperature;
    t.min = 18.0;
    t.max = 27.0;
    c.sensors.push_back(t);
    SensorConfig h = t;
    h.id = "rh";
    h.kind = SensorKind::humidity;
    h.min = 20.0;
    h.max = 80.0;
    c.sensors.push_back(h);
    SensorConfig l = t;
    l.id = "leak";
    l.kind = SensorKind::leak;
    l.min.reset();
    l.max.reset();
    c.sensors.push_back(l);
    return c;
}

class Watching : public ::testing::Test {
  protected:
    Watching() : watch_(climateWatchConfig(site())) {
        set("env.temp", 22.0);
        set("env.humidity", 45.0);
        set("env.leak", 0.0);
        set("crac-dev.running", 1.0);
        set("crac-dev.alarm", 0.0);
        set("crac-dev.supply_temp", 18.0);
        set("crac-dev.return_temp", 30.0);
    }
    void set(const std::string& point, double value, bool good = true) {
        points_[point] = PointReading{value, now_, good};
    }
    void spoil(const std::string& point) { points_[point].good = false; }
    // Advances to `at` seconds after kT0 and evaluates; the events' types.
    std::vector<std::string> at(int seconds) {
        now_ = kT0 + seconds * kS;
        for (auto& [name, reading] : points_) {
            if (reading.good) {
                reading.timeUs = now_;  // a fresh poll of the same value
            }
        }
        last_ = watch_.evaluate(
            [this](std::string_view p) {
                auto it = points_.find(std::string(p));
                return it == points_.end() ? PointReading{} : it->second;
            },
            now_);
        std::vector<std::string> types;
        for (const auto& e : last_) {
            types.push_back(e.type);
        }
        return types;
    }
    using Types = std::vector<std::string>;
    ClimateWatch watch_;
    std::map<std::string, PointReading> points_;
    core::TimeUs now_ = kT0;
    std::vector<ClimateEvent> last_;
};

const std::string kExceeded{kHvacEnvelopeExceeded.name};
const std::string kRestored{kHvacEnvelopeRestored.name};

TEST_F(Watching, AnEnvelopeAlarmWaitsForItsDelayAndNamesTheBound) {
    set("env.temp", 24.0);  // 3.4 degC below what follows: inside the rate limit
    EXPECT_EQ(at(0), Types{});
    set("env.temp", 27.4);
    EXPECT_EQ(at(10), Types{});
    EXPECT_EQ(watch_.nextDeadlineUs(), kT0 + 70 * kS);
    EXPECT_EQ(at(69), Types{});
    ASSERT_EQ(at(70), Types{kExceeded});
    const auto& p = last_[0].payload;
    EXPECT_EQ(last_[0].source, "sensor:inlet");
    EXPECT_EQ(p["watch"], "inlet");
    EXPECT_EQ(p["sensor"], "inlet");
    EXPECT_EQ(p["zone"], "room");
    EXPECT_EQ(p["point"], "env.temp");
    EXPECT_EQ(p["bound"], "high");
    EXPECT_DOUBLE_EQ(p["limit"].get<double>(), 27.0);
    EXPECT_DOUBLE_EQ(p["value"].get<double>(), 27.4);
    EXPECT_DOUBLE_EQ(p["held_s"].get<double>(), 60.0);
    EXPECT_FALSE(p.contains("after_power_event"));
    ASSERT_NE(watch_.activeFor("inlet", kExceeded), nullptr);
    EXPECT_EQ(at(200), Types{});  // raised once
}

TEST_F(Watching, AnExcursionShorterThanTheDelayRaisesNothing) {
    set("env.temp", 28.0);
    EXPECT_EQ(at(0), Types{});
    set("env.temp", 26.0);
    EXPECT_EQ(at(50), Types{});
    set("env.temp", 28.0);
    EXPECT_EQ(at(60), Types{});  // the delay starts again
    EXPECT_EQ(at(119), Types{});
    EXPECT_EQ(at(120), Types{kExceeded});
}

TEST_F(Watching, RestoredOnlyOnceInsideByTheDeadbandForTheRestoreDelay) {
    set("env.temp", 17.0);
    at(0);
    ASSERT_EQ(at(60), Types{kExceeded});
    EXPECT_EQ(last_[0].payload["bound"], "low");
    set("env.temp", 18.2);  // inside the envelope, not by the deadband
    EXPECT_EQ(at(100), Types{});
    EXPECT_EQ(at(400), Types{});
    set("env.temp", 18.6);
    EXPECT_EQ(at(410), Types{});
    set("env.temp", 18.3);  // back into the band: the restore delay starts again
    EXPECT_EQ(at(430), Types{});
    set("env.temp", 19.0);
    EXPECT_EQ(at(440), Types{});
    EXPECT_EQ(at(469), Types{});
    ASSERT_EQ(at(470), Types{kRestored});
    EXPECT_EQ(last_[0].payload["bound"], "low");
    EXPECT_DOUBLE_EQ(last_[0].payload["out_s"].get<double>(), 410.0);
    EXPECT_EQ(watch_.activeFor("inlet", kExceeded), nullptr);
}

TEST_F(Watching, APointThatIsNotGoodRaisesAndClearsNothing) {
    set("env.humidity", 30.0);     // 30 degC / 30 %: dew point 10.5, inside its range
    set("env.temp", 30.0, false);  // a stale value beyond the bound
    EXPECT_EQ(at(0), Types{});
    EXPECT_EQ(at(120), Types{});
    EXPECT_EQ(at(600), Types{});
    set("env.leak", 1.0, false);
    set("crac-dev.running", 0.0, false);
    EXPECT_EQ(at(700), Types{});
    EXPECT_TRUE(watch_.active().empty());
    // Good again: the delay counts from then, not from the stale value.
    set("env.temp", 30.0);
    EXPECT_EQ(at(800), Types{});
    spoil("env.temp");
    EXPECT_EQ(at(860), Types{});
    set("env.temp", 30.0);
    EXPECT_EQ(at(870), Types{});
    EXPECT_EQ(at(930), Types{kExceeded});
    // An active alarm stays while its point is not good.
    set("env.temp", 22.0, false);
    EXPECT_EQ(at(2000), Types{});
    EXPECT_NE(watch_.activeFor("inlet", kExceeded), nullptr);
}

TEST_F(Watching, ALeakIsAtOnceAndClearsWhenDry) {
    set("env.leak", 1.0);
    ASSERT_EQ(at(0), Types{std::string(kHvacLeakDetected.name)});
    EXPECT_EQ(last_[0].source, "sensor:leak");
    EXPECT_EQ(last_[0].payload["watch"], "leak");
    EXPECT_EQ(at(1), Types{});
    set("env.leak", 0.0);
    ASSERT_EQ(at(5), Types{std::string(kHvacLeakCleared.name)});
    EXPECT_DOUBLE_EQ(last_[0].payload["out_s"].get<double>(), 5.0);
}

TEST_F(Watching, CracStoppedAndItsAlarmBit) {
    at(0);
    set("crac-dev.running", 0.0);
    set("crac-dev.alarm", 1.0);
    const Types both{std::string(kHvacCracStopped.name), std::string(kHvacCracAlarm.name)};
    ASSERT_EQ(at(1), both);
    EXPECT_EQ(last_[0].source, "crac:crac-1");
    EXPECT_EQ(last_[0].payload["crac"], "crac-1");
    EXPECT_EQ(last_[0].payload["watch"], "crac-1");
    set("crac-dev.running", 1.0);
    EXPECT_EQ(at(2), Types{std::string(kHvacCracRunning.name)});
    set("crac-dev.alarm", 0.0);
    EXPECT_EQ(at(3), Types{std::string(kHvacCracAlarmCleared.name)});
}

TEST_F(Watching, ACracSupplyAboveItsMaximumIsAnEnvelopeOfItsOwn) {
    set("crac-dev.supply_temp", 28.0);
    at(0);
    ASSERT_EQ(at(60), Types{kExceeded});
    EXPECT_EQ(last_[0].payload["watch"], "crac-1.supply_temp");
    EXPECT_EQ(last_[0].payload["point"], "crac-dev.supply_temp");
    EXPECT_EQ(last_[0].source, "crac:crac-1");
}

TEST_F(Watching, RateOfChangeOverTheSlidingWindow) {
    const std::string exceeded{kHvacRateExceeded.name};
    const std::string normal{kHvacRateNormal.name};
    // 4.9 degC in 10 minutes: inside the limit (still in the envelope).
    for (int m = 0; m <= 10; ++m) {
        set("env.temp", 19.0 + 0.49 * m);
        EXPECT_EQ(at(m * 60), Types{}) << m;
    }
    // 6 degC in the last 15 minutes (ends at 25.1 from 19.0): exceeded.
    set("env.temp", 25.1);
    ASSERT_EQ(at(11 * 60), Types{exceeded});
    EXPECT_NEAR(last_[0].payload["change"].get<double>(), 6.1, 1e-9);
    EXPECT_EQ(last_[0].payload["direction"], "rising");
    EXPECT_DOUBLE_EQ(last_[0].payload["window_s"].get<double>(), 900.0);
    EXPECT_EQ(last_[0].payload["watch"], "inlet");
    // Steady from here: normal once the low samples left the window, by the deadband.
    EXPECT_EQ(at(12 * 60), Types{});
    EXPECT_EQ(watch_.nextDeadlineUs(), kT0 + 900 * kS + 1);  // the first sample ages out
    EXPECT_EQ(at(15 * 60 + 30), Types{});                    // 19.49 .. 25.1: 5.61, still exceeded
    EXPECT_EQ(at(18 * 60 + 30), Types{normal});              // 20.96 .. 25.1: 4.14, below 5 - 0.5
}

TEST_F(Watching, RateNormalNeedsTheDeadband) {
    const std::string exceeded{kHvacRateExceeded.name};
    const std::string normal{kHvacRateNormal.name};
    set("env.temp", 19.0);
    at(0);
    set("env.temp", 24.2);
    ASSERT_EQ(at(60), Types{exceeded});  // 5.2 in a minute
    set("env.temp", 19.4);
    EXPECT_EQ(at(100), Types{});
    EXPECT_EQ(at(901), Types{});        // 19.0 gone: 24.2 .. 19.4 is 4.8, under 5 but not by 0.5
    EXPECT_EQ(at(961), Types{normal});  // 24.2 gone too
    EXPECT_NEAR(last_[0].payload["change"].get<double>(), 0.0, 1e-9);
}

TEST_F(Watching, DewPointByMagnusAndItsRange) {
    // Reference values (Sonntag constants): 25 degC / 60 % -> 16.69 degC; 20 degC / 50 % -> 9.26.
    EXPECT_NEAR(*dewPointC(25.0, 60.0), 16.69, 0.01);
    EXPECT_NEAR(*dewPointC(20.0, 50.0), 9.26, 0.01);
    EXPECT_NEAR(*dewPointC(18.0, 100.0), 18.0, 1e-9);
    EXPECT_FALSE(dewPointC(20.0, 0.0));
    const std::string exceeded{kHvacDewPointExceeded.name};
    set("env.temp", 25.0);
    set("env.humidity", 60.0);
    EXPECT_EQ(at(0), Types{});
    ASSERT_EQ(at(60), Types{exceeded});
    EXPECT_EQ(last_[0].source, "zone:room");
    EXPECT_EQ(last_[0].payload["watch"], "room.dew_point");
    EXPECT_EQ(last_[0].payload["bound"], "high");
    EXPECT_NEAR(last_[0].payload["value"].get<double>(), 16.69, 0.01);
    EXPECT_DOUBLE_EQ(last_[0].payload["limit"].get<double>(), 15.0);
    const auto dew = watch_.dewPoint("room.dew_point");
    ASSERT_TRUE(dew.value);
    EXPECT_TRUE(dew.good);
    spoil("env.humidity");  // a dew point of a stale humidity is not good
    at(61);
    EXPECT_FALSE(watch_.dewPoint("room.dew_point").good);
    set("env.humidity", 40.0);  // 25 degC / 40 % -> 10.5 degC
    at(70);
    EXPECT_EQ(at(100), Types{std::string(kHvacDewPointRestored.name)});
}

TEST_F(Watching, ClimateEventsAfterAPowerEventNameIt) {
    at(0);
    watch_.powerEvent(41, "power.source_lost", kT0 + 5 * kS);
    set("crac-dev.running", 0.0);
    ASSERT_EQ(at(25), Types{std::string(kHvacCracStopped.name)});
    ASSERT_TRUE(last_[0].payload.contains("after_power_event"));
    EXPECT_EQ(last_[0].payload["after_power_event"]["seq"], 41);
    EXPECT_EQ(last_[0].payload["after_power_event"]["type"], "power.source_lost");
    EXPECT_DOUBLE_EQ(last_[0].payload["after_power_event"]["ago_s"].get<double>(), 20.0);
    // Beyond the window (900 s): no longer named.
    set("crac-dev.running", 1.0);
    ASSERT_EQ(at(906), Types{std::string(kHvacCracRunning.name)});
    EXPECT_FALSE(last_[0].payload.contains("after_power_event"));
}

TEST(ClimateWatchConfig, WatchesOfASite) {
    const auto config = climateWatchConfig(site());
    std::vector<std::string> ids;
    for (const auto& w : config.watches) {
        ids.push_back(w.id + "/" + std::to_string(static_cast<int>(w.kind)));
    }
    // crac: running, alarm, supply, return; inlet: envelope, rate; rh: envelope; leak; dew.
    EXPECT_EQ(ids, (std::vector<std::string>{"crac-1/4", "crac-1/5", "crac-1.supply_temp/0",
                                             "crac-1.return_temp/0", "inlet/0", "inlet/2", "rh/0",
                                             "leak/3", "room.dew_point/1"}));
    EXPECT_EQ(config.alarmDelayUs, 60 * kS);
    EXPECT_EQ(config.restoreDelayUs, 30 * kS);
}

}  // namespace
}  // namespace sekimori::hvac
