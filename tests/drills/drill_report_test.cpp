// The drill report's HTML: the criteria pass or fail, the plot of every series with the
// timeline's marks, who asked and approved; text escaped; the same inputs the same bytes; and
// its signature holds for these bytes only.
#include "drills/drill_report.hpp"

#include <gtest/gtest.h>

#include "core/report_signer.hpp"
#include "tests/core/audit_test_support.hpp"

namespace sekimori::drills {
namespace {

using nlohmann::json;

constexpr core::TimeUs kStart = 1'764'633'600'000'000;  // 2025-12-02 09:00 JST

DrillReport report() {
    DrillReport r;
    r.run.id = "apr-7";
    r.run.scenario = "feed_a_loss";
    r.run.mode = "simulation";
    r.run.reason = "<script>alert(1)</script> 四半期訓練";
    r.run.requestedBy = "bcp1";
    r.run.approvedBy = "fac1";
    r.run.startedUs = kStart;
    r.run.endsUs = kStart + 35'000'000;
    r.run.timeline = {
        TimelineEvent{kStart + 100'000, "drill.step", json{{"mark", "feed_a_cut"}}},
        TimelineEvent{kStart + 3'200'000, "power.transfer", json{{"to", "b"}, {"took_ms", 3100}}},
    };
    r.scenario = *findScenario(
        "feed_a_loss",
        DrillTiming{std::chrono::seconds(20), std::chrono::seconds(600), std::chrono::seconds(15)});
    CriterionResult transfer;
    transfer.id = CriterionId::transferTime;
    transfer.measured = 3.1;
    transfer.limit = 10;
    transfer.unit = "s";
    transfer.comparison = "<=";
    transfer.verdict = Verdict::pass;
    CriterionResult temp = transfer;
    temp.id = CriterionId::roomTempRise;
    temp.measured.reset();
    temp.unit = "degC";
    temp.verdict = Verdict::fail;
    temp.detail = "no samples";
    r.results = {transfer, temp};
    ReportSeries charge{std::string(kSeriesUpsCharge), "ups-1.battery_charge", "%", {}};
    for (int s = 0; s <= 35; s += 2) {
        charge.samples.push_back(Sample{kStart + s * 1'000'000LL, 100.0 - (s < 4 ? s : 4)});
    }
    r.series = {charge, ReportSeries{std::string(kSeriesRoomTemp), "env.temp", "degC", {}}};
    r.siteName = "Toyosu DC";
    r.utcOffsetMinutes = 540;
    r.generatedUs = kStart + 36'000'000;
    r.signingKeySha256 = "feedbeef";
    return r;
}

TEST(DrillReport, SaysWhoAndWhenJudgesEveryCriterionAndPlotsEverySeries) {
    const std::string html = renderDrillReport(report());
    EXPECT_NE(html.find("data-testid=\"drill-meta\""), std::string::npos);
    EXPECT_NE(html.find("<span data-requested-by>bcp1</span>"), std::string::npos);
    EXPECT_NE(html.find("<span data-approved-by>fac1</span>"), std::string::npos);
    EXPECT_NE(html.find("2025-12-02 09:00:00 +09:00"), std::string::npos) << "site time";
    EXPECT_NE(html.find("data-criterion=\"transfer_time\" data-verdict=\"pass\""),
              std::string::npos);
    EXPECT_NE(html.find("data-criterion=\"room_temp_rise\" data-verdict=\"fail\""),
              std::string::npos);
    EXPECT_NE(html.find("data-passed=\"false\""), std::string::npos) << "one failed: failed";
    EXPECT_NE(html.find("未測定 / not measured"), std::string::npos);
    EXPECT_NE(html.find("data-testid=\"drill-plot\""), std::string::npos);
    EXPECT_NE(html.find("<g data-series=\"ups_charge\">"), std::string::npos);
    EXPECT_NE(html.find("<polyline"), std::string::npos);
    EXPECT_NE(html.find("no samples in the run"), std::string::npos) << "the empty series says so";
    EXPECT_NE(html.find("<title>transfer → b</title>"), std::string::npos);
    EXPECT_NE(html.find("<title>feed_a_cut</title>"), std::string::npos);
    EXPECT_NE(html.find("<td>to: b, took_ms: 3100</td>"), std::string::npos) << "readable details";
    EXPECT_NE(html.find("@page{size:A4"), std::string::npos) << "print-ready";
    EXPECT_EQ(html.find("<script>"), std::string::npos) << "the reason is text, never markup";
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; 四半期訓練"), std::string::npos);
}

TEST(DrillReport, TheSameInputsGiveTheSameBytes) {
    EXPECT_EQ(renderDrillReport(report()), renderDrillReport(report()));
    auto all = report();
    all.results.pop_back();
    EXPECT_TRUE(passed(all.results));
    EXPECT_NE(renderDrillReport(all).find("data-passed=\"true\""), std::string::npos);
}

TEST(DrillReport, ItsSignatureHoldsForItsBytesAndNotForOneChangedByte) {
    core::testing::TempDir dir;
    auto signer = core::ReportSigner::loadOrCreate(dir.file("report-signing.key"));
    ASSERT_TRUE(signer) << signer.error().message;
    const std::string html = renderDrillReport(report());
    auto signature = signer->sign(html);
    ASSERT_TRUE(signature);
    EXPECT_TRUE(core::verifyReportSignature(signer->publicKeyPem(), html, *signature));
    std::string changed = html;
    changed[changed.find("3.10")] = '9';  // the measured transfer time
    EXPECT_FALSE(core::verifyReportSignature(signer->publicKeyPem(), changed, *signature));
}

}  // namespace
}  // namespace sekimori::drills
