// What a drill's report judges (drills/drill_measure.hpp): each criterion of the scenario pass
// or fail against its limit, and one that was not seen fails.
#include "drills/drill_measure.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace sekimori::drills {
namespace {

using json = nlohmann::json;

constexpr core::TimeUs kSecond = 1'000'000;
constexpr core::TimeUs kStart = 1'796'202'000LL * kSecond;

const CriterionResult& find(const std::vector<CriterionResult>& results, CriterionId id) {
    for (const auto& r : results) {
        if (r.id == id) {
            return r;
        }
    }
    ADD_FAILURE() << "no result for " << toString(id);
    return results.front();
}

std::vector<Sample> every(core::TimeUs from, int seconds, const std::function<double(int)>& at) {
    std::vector<Sample> out;
    for (int s = 0; s <= seconds; ++s) {
        out.push_back(Sample{from + s * kSecond, at(s)});
    }
    return out;
}

// Both feeds lost at the start: the generator on load 7.5 s after its first crank, the switch
// confirmed on it at 9 s; the voltage sags and is back in its band 4 s after the transfer.
DrillInputs bothFeedsLost() {
    DrillInputs in;
    in.startUs = kStart;
    in.endUs = kStart + 240 * kSecond;
    in.events.push_back({kStart + 8 * kSecond, "power.generator_state",
                         json{{"state", "on_load"}, {"start_ms", 7500}}});
    in.events.push_back({kStart + 9 * kSecond, "power.transfer",
                         json{{"from", "feed-a"}, {"to", "generator"}, {"took_ms", 9000}}});
    in.events.push_back({kStart + 130 * kSecond, "power.transfer",
                         json{{"from", "generator"}, {"to", "feed-a"}, {"took_ms", 3000}}});
    in.series[std::string(kSeriesVoltage)] =
        every(kStart, 240, [](int s) { return s >= 130 && s < 134 ? 180.0 : 229.0; });
    in.series[std::string(kSeriesFrequency)] = every(kStart, 240, [](int) { return 50.1; });
    in.series[std::string(kSeriesUpsCharge)] =
        every(kStart, 240, [](int s) { return s < 9 ? 100.0 - s : 91.0 + s * 0.01; });
    // 1000 L burning 15 L/h for the run: 1000 / 15 ≈ 66.6 h, short of 72.
    in.series[std::string(kSeriesFuel)] =
        every(kStart, 240, [](int s) { return 1000.0 - 15.0 * s / 3600.0; });
    in.series[std::string(kSeriesRoomTemp)] =
        every(kStart, 240, [](int s) { return 22.0 + s / 240.0; });
    return in;
}

TEST(DrillMeasure, BothFeedsLostIsJudgedOnEveryCriterionOfItsScenario) {
    auto scenario = findScenario("both_feeds_loss", DrillTiming{});
    ASSERT_TRUE(scenario);
    // The endurance run judges the fuel; here the same run's fuel samples are judged as well.
    scenario->criteria.push_back(CriterionId::fuelEndurance);
    const auto results = measure(*scenario, bothFeedsLost(), DrillLimits{});
    ASSERT_EQ(results.size(), scenario->criteria.size());

    const auto& onLoad = find(results, CriterionId::generatorOnLoad);
    EXPECT_DOUBLE_EQ(*onLoad.measured, 7.5);
    EXPECT_EQ(onLoad.verdict, Verdict::pass);
    const auto& transfer = find(results, CriterionId::transferTime);
    EXPECT_DOUBLE_EQ(*transfer.measured, 9.0) << "the slowest transfer of the run";
    EXPECT_EQ(transfer.verdict, Verdict::pass);
    const auto& ups = find(results, CriterionId::upsMinCharge);
    EXPECT_DOUBLE_EQ(*ups.measured, 91.09);
    EXPECT_EQ(ups.comparison, ">=");
    const auto& volts = find(results, CriterionId::voltageSettling);
    EXPECT_DOUBLE_EQ(*volts.measured, 4.0) << volts.detail;
    EXPECT_EQ(volts.verdict, Verdict::pass);
    EXPECT_DOUBLE_EQ(*find(results, CriterionId::frequencySettling).measured, 0.0);
    const auto& fuel = find(results, CriterionId::fuelEndurance);
    EXPECT_NEAR(*fuel.measured, 66.6, 0.1) << fuel.detail;
    EXPECT_EQ(fuel.verdict, Verdict::fail) << "short of the 72 h rule";
    const auto& room = find(results, CriterionId::roomTempRise);
    EXPECT_NEAR(*room.measured, 1.0, 1e-9);
    EXPECT_EQ(room.verdict, Verdict::pass);
    EXPECT_EQ(toJson(fuel)["verdict"], "fail");
    EXPECT_EQ(toJson(fuel)["id"], "fuel_endurance");
}

TEST(DrillMeasure, WhatWasNotSeenFails) {
    DrillInputs in;
    in.startUs = kStart;
    in.endUs = kStart + 120 * kSecond;
    const auto results = measure(*findScenario("feed_a_loss", DrillTiming{}), in, DrillLimits{});
    for (const auto& r : results) {
        EXPECT_FALSE(r.measured.has_value()) << toString(r.id);
        EXPECT_EQ(r.verdict, Verdict::fail) << toString(r.id);
        EXPECT_FALSE(r.detail.empty());
        EXPECT_TRUE(toJson(r)["measured"].is_null());
    }
}

TEST(DrillMeasure, LimitsAndTheRunsWindowDecide) {
    DrillInputs in = bothFeedsLost();
    // A slow transfer outside the run does not count; one inside over the limit fails.
    in.events.push_back({kStart - 60 * kSecond, "power.transfer", json{{"took_ms", 60'000}}});
    auto transfer = measure(*findScenario("retransfer", DrillTiming{}), in, DrillLimits{});
    EXPECT_DOUBLE_EQ(*find(transfer, CriterionId::transferTime).measured, 9.0);
    DrillLimits strict;
    strict.transferMaxS = 5;
    transfer = measure(*findScenario("retransfer", DrillTiming{}), in, strict);
    EXPECT_EQ(find(transfer, CriterionId::transferTime).verdict, Verdict::fail);
}

TEST(DrillMeasure, AVoltageStillOutOfItsBandAtTheEndFails) {
    DrillInputs in = bothFeedsLost();
    in.series[std::string(kSeriesVoltage)] =
        every(kStart, 240, [](int s) { return s >= 130 ? 150.0 : 229.0; });
    const auto results = measure(*findScenario("feed_a_loss", DrillTiming{}), in, DrillLimits{});
    const auto& volts = find(results, CriterionId::voltageSettling);
    EXPECT_EQ(volts.verdict, Verdict::fail);
    EXPECT_NE(volts.detail.find("still outside"), std::string::npos) << volts.detail;
}

TEST(DrillMeasure, TheSlowestSettlingOfEveryTransferIsJudgedNotOnlyTheLast) {
    // The generator sags as it takes the load (transfer 1) and settles 6 s later; the return to
    // the utility (transfer 2) is clean. The sag is what the criterion is for.
    DrillInputs in = bothFeedsLost();
    in.series[std::string(kSeriesFrequency)] =
        every(kStart, 240, [](int s) { return s >= 9 && s < 15 ? 48.0 : 50.0; });
    auto results = measure(*findScenario("both_feeds_loss", DrillTiming{}), in, DrillLimits{});
    const auto& hz = find(results, CriterionId::frequencySettling);
    EXPECT_DOUBLE_EQ(*hz.measured, 6.0) << hz.detail;
    EXPECT_EQ(hz.verdict, Verdict::pass);
    EXPECT_NE(hz.detail.find("transfer 1 of 2"), std::string::npos) << hz.detail;
    // Not settled before the next transfer: the whole interval is measured, and judged.
    in.series[std::string(kSeriesFrequency)] =
        every(kStart, 240, [](int s) { return s >= 9 && s < 130 ? 48.0 : 50.0; });
    results = measure(*findScenario("both_feeds_loss", DrillTiming{}), in, DrillLimits{});
    const auto& stuck = find(results, CriterionId::frequencySettling);
    EXPECT_DOUBLE_EQ(*stuck.measured, 121.0) << stuck.detail;
    EXPECT_EQ(stuck.verdict, Verdict::fail);
    EXPECT_NE(stuck.detail.find("at the next transfer"), std::string::npos) << stuck.detail;
}

TEST(DrillScenarios, EveryScenarioIsFoundByItsIdAndItsStepsAreInOrder) {
    for (const auto& s : scenarios(DrillTiming{})) {
        ASSERT_TRUE(findScenario(s.id, DrillTiming{})) << s.id;
        EXPECT_EQ(findScenario(s.id, DrillTiming{})->steps.size(), s.steps.size());
        for (std::size_t i = 1; i < s.steps.size(); ++i) {
            EXPECT_LE(s.steps[i - 1].at, s.steps[i].at) << s.id;
        }
        for (const auto& step : s.steps) {
            EXPECT_LT(step.at, s.duration) << s.id << " " << step.mark;
            EXPECT_FALSE(step.mark.empty());
        }
    }
    EXPECT_FALSE(findScenario("nope", DrillTiming{}));
    // A rehearsal by people sends nothing to the simulator.
    const auto rehearsal = findScenario("site_switchover", DrillTiming{});
    for (const auto& step : rehearsal->steps) {
        EXPECT_TRUE(step.simCommand.is_null());
    }
}

TEST(DrillScenarios, TheSiteTimingSetsHowLongAFeedStaysLostAndHowLongTheRunIsMeasured) {
    using std::chrono::seconds;
    const DrillTiming timing{seconds(20), seconds(300), seconds(15)};
    const auto feedA = findScenario("feed_a_loss", timing);
    ASSERT_EQ(feedA->steps.size(), 2U);
    EXPECT_EQ(feedA->steps[1].at, seconds(20));
    EXPECT_EQ(feedA->steps[1].mark, "feed_a_restored");
    EXPECT_EQ(feedA->duration, seconds(35));
    EXPECT_EQ(findScenario("retransfer", timing)->steps[1].at, seconds(10)) << "half the hold";
    EXPECT_EQ(findScenario("endurance", timing)->duration, seconds(315));
    const auto both = findScenario("both_feeds_loss", timing);
    EXPECT_EQ(both->steps[0].simCommand, (nlohmann::json{{"do", "cut"}, {"feed", "a"}}));
    EXPECT_EQ(both->steps[3].simCommand, (nlohmann::json{{"do", "restore"}, {"feed", "b"}}));
}

}  // namespace
}  // namespace sekimori::drills
