#include "core/telemetry_point.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/core_event_types.hpp"
#include "core/telemetry_events.hpp"

using namespace sekimori::core;

namespace {

constexpr TimeUs kT0 = 1'795'568'400'000'000;
constexpr TimeUs kSecond = 1'000'000;

TelemetryPointSpec supplyTemp() {
    TelemetryPointSpec spec;
    spec.id = "crac-1.supply_temp";
    spec.unit = "degC";
    spec.source = "crac:crac-1";
    spec.pollIntervalUs = 5 * kSecond;
    spec.staleAfterMissedPolls = 3;  // stale 15 s after the last good value
    spec.failAfterErrors = 3;
    spec.envelope = TelemetryEnvelope{18.0, 27.0, 0.5};
    return spec;
}

using Kind = TelemetryChangeKind;

}  // namespace

TEST(TelemetryPoint, StartsStaleAndComesUpWithoutAnEvent) {
    TelemetryPoint p(supplyTemp(), kT0);
    EXPECT_EQ(p.quality(), TelemetryQuality::stale);
    EXPECT_FALSE(p.value());
    EXPECT_TRUE(p.sample(21.5, kT0 + kSecond).empty());
    EXPECT_EQ(p.quality(), TelemetryQuality::good);
    EXPECT_EQ(p.value(), 21.5);
    EXPECT_EQ(p.valueTimeUs(), kT0 + kSecond);
}

TEST(TelemetryPoint, ANeverReportingPointIsRecordedOnceAsNoData) {
    TelemetryPoint p(supplyTemp(), kT0);
    EXPECT_EQ(p.nextDeadlineUs(), kT0 + 15 * kSecond);
    EXPECT_TRUE(p.tick(kT0 + 15 * kSecond - 1).empty());
    auto lost = p.tick(kT0 + 15 * kSecond);
    ASSERT_EQ(lost.size(), 1U);
    EXPECT_EQ(lost[0].kind, Kind::qualityLost);
    EXPECT_EQ(lost[0].reason, "no_data");
    EXPECT_FALSE(lost[0].previous);
    EXPECT_FALSE(lost[0].ageUs);
    EXPECT_EQ(p.nextDeadlineUs(), TelemetryPoint::kNoDeadline);
    EXPECT_TRUE(p.tick(kT0 + 60 * kSecond).empty());  // once, not every tick
    auto back = p.sample(20.0, kT0 + 70 * kSecond);
    ASSERT_EQ(back.size(), 1U);
    EXPECT_EQ(back[0].kind, Kind::qualityRecovered);
    EXPECT_EQ(back[0].previous, TelemetryQuality::stale);
    EXPECT_EQ(back[0].durationUs, 70 * kSecond);
}

TEST(TelemetryPoint, TurnsStaleAfterMissedPollsAndRecovers) {
    TelemetryPoint p(supplyTemp(), kT0);
    (void)p.sample(21.0, kT0);
    EXPECT_EQ(p.nextDeadlineUs(), kT0 + 15 * kSecond);
    EXPECT_TRUE(p.tick(kT0 + 14 * kSecond).empty());
    EXPECT_EQ(p.quality(), TelemetryQuality::good);
    auto lost = p.tick(kT0 + 15 * kSecond);
    ASSERT_EQ(lost.size(), 1U);
    EXPECT_EQ(lost[0].reason, "missed_polls");
    EXPECT_EQ(lost[0].previous, TelemetryQuality::good);
    EXPECT_EQ(lost[0].quality, TelemetryQuality::stale);
    EXPECT_EQ(lost[0].ageUs, 15 * kSecond);
    EXPECT_EQ(p.quality(), TelemetryQuality::stale);
    EXPECT_EQ(p.value(), 21.0);  // kept, but no longer live
    auto back = p.sample(21.2, kT0 + 20 * kSecond);
    ASSERT_EQ(back.size(), 1U);
    EXPECT_EQ(back[0].kind, Kind::qualityRecovered);
    EXPECT_EQ(back[0].durationUs, 5 * kSecond);
    EXPECT_EQ(back[0].value, 21.2);
}

TEST(TelemetryPoint, MaxAgeWinsWhenShorterThanTheMissedPolls) {
    auto spec = supplyTemp();
    spec.maxAgeUs = 8 * kSecond;
    TelemetryPoint p(spec, kT0);
    (void)p.sample(21.0, kT0);
    EXPECT_EQ(p.staleAfterUs(), 8 * kSecond);
    auto lost = p.tick(kT0 + 8 * kSecond);
    ASSERT_EQ(lost.size(), 1U);
    EXPECT_EQ(lost[0].reason, "too_old");
    spec.maxAgeUs = 60 * kSecond;  // longer than 3 polls: the polls decide
    EXPECT_EQ(TelemetryPoint(spec, kT0).staleAfterUs(), 15 * kSecond);
}

TEST(TelemetryPoint, FailsAfterConsecutiveErrorsOnlyAndCountsAll) {
    TelemetryPoint p(supplyTemp(), kT0);
    (void)p.sample(21.0, kT0);
    EXPECT_TRUE(p.error("timeout", kT0 + 5 * kSecond).empty());
    EXPECT_TRUE(p.error("timeout", kT0 + 6 * kSecond).empty());
    EXPECT_TRUE(p.sample(21.0, kT0 + 7 * kSecond).empty());  // breaks the run
    EXPECT_EQ(p.consecutiveErrors(), 0);
    EXPECT_TRUE(p.error("timeout", kT0 + 8 * kSecond).empty());
    EXPECT_TRUE(p.error("timeout", kT0 + 9 * kSecond).empty());
    EXPECT_EQ(p.quality(), TelemetryQuality::good);
    auto failed = p.error("exception 0x02 illegal data address", kT0 + 10 * kSecond);
    ASSERT_EQ(failed.size(), 1U);
    EXPECT_EQ(failed[0].kind, Kind::qualityLost);
    EXPECT_EQ(failed[0].reason, "errors");
    EXPECT_EQ(failed[0].quality, TelemetryQuality::failed);
    EXPECT_EQ(p.errorCount(), 5U);
    EXPECT_EQ(p.lastError(), "exception 0x02 illegal data address");
    EXPECT_TRUE(p.error("timeout", kT0 + 11 * kSecond).empty());  // already failed
    EXPECT_TRUE(p.tick(kT0 + 100 * kSecond).empty());             // failed does not go stale
    EXPECT_EQ(p.quality(), TelemetryQuality::failed);
    auto back = p.sample(22.0, kT0 + 101 * kSecond);
    ASSERT_EQ(back.size(), 1U);
    EXPECT_EQ(back[0].previous, TelemetryQuality::failed);
    EXPECT_EQ(back[0].durationUs, 91 * kSecond);
    EXPECT_EQ(p.errorCount(), 6U);  // the total stays
}

TEST(TelemetryPoint, StaleThenErrorsBecomesFailed) {
    TelemetryPoint p(supplyTemp(), kT0);
    (void)p.sample(21.0, kT0);
    (void)p.tick(kT0 + 15 * kSecond);
    for (int i = 0; i < 2; ++i) {
        EXPECT_TRUE(p.error("timeout", kT0 + (16 + i) * kSecond).empty());
    }
    auto failed = p.error("timeout", kT0 + 18 * kSecond);
    ASSERT_EQ(failed.size(), 1U);
    EXPECT_EQ(failed[0].previous, TelemetryQuality::stale);
    EXPECT_EQ(failed[0].quality, TelemetryQuality::failed);
    auto back = p.sample(21.0, kT0 + 20 * kSecond);
    ASSERT_EQ(back.size(), 1U);
    EXPECT_EQ(back[0].durationUs, 5 * kSecond);  // not good since the stale limit
}

TEST(TelemetryPoint, ANonFiniteValueIsAnError) {
    TelemetryPoint p(supplyTemp(), kT0);
    (void)p.sample(21.0, kT0);
    (void)p.sample(std::numeric_limits<double>::quiet_NaN(), kT0 + kSecond);
    EXPECT_EQ(p.value(), 21.0);
    EXPECT_EQ(p.errorCount(), 1U);
    EXPECT_EQ(p.consecutiveErrors(), 1);
}

TEST(TelemetryPoint, ALateReadingDoesNotReplaceANewerValue) {
    TelemetryPoint p(supplyTemp(), kT0);
    (void)p.sample(21.0, kT0 + 10 * kSecond);
    EXPECT_TRUE(p.sample(30.0, kT0 + 5 * kSecond).empty());
    EXPECT_EQ(p.value(), 21.0);
    EXPECT_FALSE(p.outOfEnvelope());
}

TEST(TelemetryPoint, EnvelopeWithDeadbandAsATable) {
    // Envelope 18..27 with a 0.5 deadband: out above 27 / below 18, back in only in 18.5..26.5.
    TelemetryPoint p(supplyTemp(), kT0);
    struct Step {
        double value;
        std::optional<Kind> change;
        std::string bound;
    };
    const Step steps[] = {
        {22.0, std::nullopt, ""},
        {27.0, std::nullopt, ""},
        {27.1, Kind::outOfEnvelope, "high"},
        {27.3, std::nullopt, ""},
        {26.8, std::nullopt, ""},
        {26.5, Kind::backInEnvelope, ""},
        {17.9, Kind::outOfEnvelope, "low"},
        {28.0, Kind::outOfEnvelope, "high"},
        {18.2, std::nullopt, ""},
        {18.5, Kind::backInEnvelope, ""},
    };
    TimeUs t = kT0;
    for (const auto& step : steps) {
        t += kSecond;
        auto changes = p.sample(step.value, t);
        if (!step.change) {
            EXPECT_TRUE(changes.empty()) << "value " << step.value;
            continue;
        }
        ASSERT_EQ(changes.size(), 1U) << "value " << step.value;
        EXPECT_EQ(changes[0].kind, *step.change) << "value " << step.value;
        EXPECT_EQ(changes[0].bound, step.bound) << "value " << step.value;
        EXPECT_EQ(changes[0].value, step.value);
    }
    EXPECT_FALSE(p.outOfEnvelope());
}

TEST(TelemetryPoint, OneSidedEnvelope) {
    auto spec = supplyTemp();
    spec.id = "gen.fuel_level";
    spec.envelope = TelemetryEnvelope{25.0, std::nullopt, 1.0};
    TelemetryPoint p(spec, kT0);
    EXPECT_TRUE(p.sample(1e9, kT0).empty());
    EXPECT_EQ(p.sample(24.0, kT0 + 1).size(), 1U);
    EXPECT_TRUE(p.sample(25.5, kT0 + 2).empty());
    EXPECT_EQ(p.sample(26.0, kT0 + 3).size(), 1U);
}

TEST(TelemetryPoint, ValidationNamesThePointAndField) {
    EXPECT_TRUE(validateTelemetryPointSpec(supplyTemp()));
    auto spec = supplyTemp();
    spec.id = "CRAC 1";
    EXPECT_FALSE(validateTelemetryPointSpec(spec));
    spec = supplyTemp();
    spec.failAfterErrors = 0;
    auto bad = validateTelemetryPointSpec(spec);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("crac-1.supply_temp"), std::string::npos);
    EXPECT_NE(bad.error().message.find("fail_after_errors"), std::string::npos);
    spec = supplyTemp();
    spec.envelope = TelemetryEnvelope{20.0, 21.0, 0.5};
    EXPECT_FALSE(validateTelemetryPointSpec(spec));
    spec.envelope = TelemetryEnvelope{std::nullopt, std::nan(""), 0};
    EXPECT_FALSE(validateTelemetryPointSpec(spec));
    spec = supplyTemp();
    spec.pollIntervalUs = 0;
    EXPECT_FALSE(validateTelemetryPointSpec(spec));
}

TEST(TelemetryEvents, PayloadsAsDocumented) {
    TelemetryPoint p(supplyTemp(), kT0);
    (void)p.sample(21.0, kT0);
    auto lost = p.tick(kT0 + 15 * kSecond);
    ASSERT_EQ(lost.size(), 1U);
    Event e = telemetryEvent(p, lost[0]);
    EXPECT_EQ(e.type, kTelemetryQualityLost);
    EXPECT_EQ(e.source, "crac:crac-1");
    EXPECT_EQ(e.timeUs, kT0 + 15 * kSecond);
    auto body = nlohmann::json::parse(e.payload);
    EXPECT_EQ(body["point"], "crac-1.supply_temp");
    EXPECT_EQ(body["unit"], "degC");
    EXPECT_EQ(body["quality"], "stale");
    EXPECT_EQ(body["previous"], "good");
    EXPECT_EQ(body["reason"], "missed_polls");
    EXPECT_EQ(body["age_ms"], 15000);
    EXPECT_EQ(body["errors"], 0);
    EXPECT_FALSE(body.contains("last_error"));

    auto out = p.sample(30.0, kT0 + 16 * kSecond);
    ASSERT_EQ(out.size(), 2U);  // recovered, then out of the envelope
    EXPECT_EQ(telemetryEvent(p, out[0]).type, kTelemetryQualityRecovered);
    Event high = telemetryEvent(p, out[1]);
    EXPECT_EQ(high.type, kTelemetryOutOfEnvelope);
    body = nlohmann::json::parse(high.payload);
    EXPECT_EQ(body["bound"], "high");
    EXPECT_EQ(body["value"], 30.0);
    EXPECT_EQ(body["low"], 18.0);
    EXPECT_EQ(body["high"], 27.0);

    auto in = p.sample(22.0, kT0 + 20 * kSecond);
    ASSERT_EQ(in.size(), 1U);
    body = nlohmann::json::parse(telemetryEvent(p, in[0]).payload);
    EXPECT_EQ(body["out_ms"], 4000);

    std::vector<TelemetryChange> failed;
    for (int i = 0; i < 3; ++i) {
        failed = p.error("timeout after 500 ms", kT0 + (21 + i) * kSecond);
    }
    ASSERT_EQ(failed.size(), 1U);
    body = nlohmann::json::parse(telemetryEvent(p, failed[0]).payload);
    EXPECT_EQ(body["quality"], "failed");
    EXPECT_EQ(body["reason"], "errors");
    EXPECT_EQ(body["errors"], 3);
    EXPECT_EQ(body["last_error"], "timeout after 500 ms");
}
