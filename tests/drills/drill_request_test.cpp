// A drill request as POST /api/drills/requests takes it and the approval re-reads it.
#include "drills/drill_request.hpp"

#include <gtest/gtest.h>

namespace sekimori::drills {
namespace {

using nlohmann::json;

DrillsConfig withSimulator() {
    DrillsConfig c;
    c.simulator = core::HostPort{"127.0.0.1", 15021};
    return c;
}

TEST(DrillRequest, TakesAScenarioAModeAndAReason) {
    auto r = parseDrillRequest(
        json{{"scenario", "feed_a_loss"}, {"mode", "simulation"}, {"reason", "四半期訓練"}},
        withSimulator());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->scenario, "feed_a_loss");
    EXPECT_EQ(r->mode, "simulation");
    EXPECT_EQ(
        drillAction(*r),
        (json{{"scenario", "feed_a_loss"}, {"mode", "simulation"}, {"reason", "四半期訓練"}}));
    EXPECT_EQ(drillSummary(*r), "BCP drill feed_a_loss (simulation): 四半期訓練");
    EXPECT_TRUE(parseDrillRequest(drillAction(*r), withSimulator())) << "the action re-reads";
}

TEST(DrillRequest, RefusesWhatIsNotADrillByTheFieldThatIsWrong) {
    const struct {
        json body;
        const char* field;
    } cases[] = {
        {json::array(), "body:"},
        {json{{"scenario", "fire"}, {"mode", "observe"}, {"reason", "x"}}, "body.scenario"},
        {json{{"scenario", "feed_a_loss"}, {"mode", "live"}, {"reason", "x"}}, "body.mode"},
        {json{{"scenario", "feed_a_loss"}, {"mode", "observe"}}, "body.reason"},
        {json{{"scenario", "feed_a_loss"}, {"mode", "observe"}, {"reason", " \t\u3000\u3000"}},
         "body.reason"},
        {json{{"scenario", "feed_a_loss"}, {"mode", "observe"}, {"reason", std::string(501, 'x')}},
         "body.reason"},
        {json{{"scenario", "feed_a_loss"}, {"mode", "observe"}, {"reason", "x"}, {"now", true}},
         "body.now"},
    };
    for (const auto& c : cases) {
        auto r = parseDrillRequest(c.body, withSimulator());
        ASSERT_FALSE(r) << c.body.dump();
        EXPECT_EQ(r.error().code, "drills.bad_request");
        EXPECT_NE(r.error().message.find(c.field), std::string::npos) << r.error().message;
    }
}

TEST(DrillRequest, ASimulationNeedsTheSitesSimulatorAnObservedTestDoesNot) {
    const json simulation{{"scenario", "both_feeds_loss"}, {"mode", "simulation"}, {"reason", "x"}};
    auto refused = parseDrillRequest(simulation, DrillsConfig{});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "drills.no_simulator");
    json observed = simulation;
    observed["mode"] = "observe";
    EXPECT_TRUE(parseDrillRequest(observed, DrillsConfig{}));
}

TEST(DrillRequest, AReasonOfIdeographicTextIsNotBlank) {
    EXPECT_TRUE(saysSomething("「訓練」"));  // U+300C: shares its first two bytes with U+3000
    EXPECT_TRUE(saysSomething("\u3000a"));
    EXPECT_FALSE(saysSomething("\u3000 \n"));
    EXPECT_FALSE(saysSomething(""));
}

}  // namespace
}  // namespace sekimori::drills
