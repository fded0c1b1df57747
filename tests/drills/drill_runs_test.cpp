// The runs folded from their drill.* events, as the console lists them and a restart restores
// them; the plant's events land in the running drill's timeline only.
#include "drills/drill_runs.hpp"

#include <gtest/gtest.h>

namespace sekimori::drills {
namespace {

using nlohmann::json;

json approved(const char* run) {
    return {{"run", run},        {"scenario", "feed_a_loss"}, {"mode", "simulation"},
            {"reason", "drill"}, {"requested_by", "bcp1"},    {"approved_by", "fac1"}};
}

json started(const char* run, core::TimeUs at) {
    return {{"run", run},
            {"started_us", at},
            {"ends_us", at + 35'000'000},
            {"steps", json::array({{{"at_s", 0}, {"mark", "feed_a_cut"}, {"sends", true}},
                                   {{"at_s", 20}, {"mark", "feed_a_restored"}, {"sends", true}}})}};
}

TEST(DrillRuns, ARunGoesFromApprovedToRunningToFinishedWithItsStepsAndTimeline) {
    DrillRuns runs;
    runs.apply("drill.approved", 100, approved("a1"));
    ASSERT_NE(runs.running(), nullptr);
    EXPECT_EQ(runs.running()->state, RunState::approved);
    runs.observe(TimelineEvent{150, "power.transfer", json{{"to", "b"}}});
    EXPECT_TRUE(runs.find("a1")->timeline.empty()) << "not yet started";

    runs.apply("drill.started", 200, started("a1", 200));
    runs.apply("drill.step", 210, json{{"run", "a1"}, {"mark", "feed_a_cut"}, {"sent", true}});
    runs.observe(TimelineEvent{5'000'000, "power.transfer", json{{"to", "b"}, {"took_ms", 3100}}});
    const DrillRun* run = runs.find("a1");
    ASSERT_NE(run, nullptr);
    EXPECT_EQ(run->state, RunState::running);
    EXPECT_EQ(run->steps.at(0).doneUs, 210);
    EXPECT_EQ(run->steps.at(1).doneUs, 0);
    ASSERT_EQ(run->timeline.size(), 3U);
    EXPECT_EQ(run->timeline[0].type, "drill.started");
    EXPECT_EQ(run->timeline[1].type, "drill.step");
    EXPECT_EQ(run->timeline[2].type, "power.transfer");

    runs.apply("drill.finished", 40'000'000,
               json{{"run", "a1"},
                    {"passed", true},
                    {"report_sha256", "ab12"},
                    {"criteria", json::array({{{"id", "transfer_time"}, {"verdict", "pass"}}})}});
    EXPECT_EQ(runs.running(), nullptr);
    const json view = runs.toJson(*runs.find("a1"), true);
    EXPECT_EQ(view["state"], "finished");
    EXPECT_EQ(view["passed"], true);
    EXPECT_EQ(view["report"]["html"], "/api/drills/runs/a1/report.html");
    EXPECT_EQ(view["report"]["sha256"], "ab12");
    EXPECT_EQ(view["timeline"].size(), 3U);
    EXPECT_EQ(view["steps"][1]["done_us"], nullptr);
    runs.observe(TimelineEvent{50'000'000, "power.transfer", json::object()});
    EXPECT_EQ(runs.find("a1")->timeline.size(), 3U) << "after its end a run keeps its timeline";
}

TEST(DrillRuns, AnUnendedRunIsUnfinishedAndAnAbortEndsIt) {
    DrillRuns runs;
    runs.apply("drill.approved", 100, approved("a1"));
    runs.apply("drill.started", 200, started("a1", 200));
    runs.apply("drill.approved", 300, approved("a2"));
    ASSERT_EQ(runs.unfinished().size(), 2U);
    runs.apply("drill.aborted", 400,
               json{{"run", "a2"}, {"reason", "another_drill"}, {"by", ""}, {"message", "a1"}});
    ASSERT_EQ(runs.unfinished().size(), 1U);
    EXPECT_EQ(runs.unfinished()[0]->id, "a1");
    const json list = runs.list();
    ASSERT_EQ(list.size(), 2U);
    EXPECT_EQ(list[0]["id"], "a2") << "newest first";
    EXPECT_EQ(list[0]["abort"]["reason"], "another_drill");
    EXPECT_FALSE(list[0].contains("timeline"));
}

TEST(DrillRuns, EventsOfAnUnknownRunOrWithoutOneAreIgnored) {
    DrillRuns runs;
    runs.apply("drill.started", 200, started("ghost", 200));
    runs.apply("drill.finished", 300, json{{"run", "ghost"}, {"passed", true}});
    runs.apply("drill.approved", 100, json{{"scenario", "feed_a_loss"}});
    runs.apply("drill.approved", 100, json("not an object"));
    EXPECT_EQ(runs.find("ghost"), nullptr);
    EXPECT_TRUE(runs.list().empty());
}

}  // namespace
}  // namespace sekimori::drills
