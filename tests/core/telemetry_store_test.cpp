#include "core/telemetry_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "audit_test_support.hpp"
#include "core/sqlite_db.hpp"

using namespace sekimori::core;
using sekimori::core::testing::TempDir;

namespace {

constexpr TimeUs kSecond = 1'000'000;
// 2026-11-30 00:00:00 UTC: a whole hour, so bucket edges are easy to read.
constexpr TimeUs kT0 = 1'796'083'200'000'000;

class TelemetryStoreTest : public ::testing::Test {
  protected:
    TelemetryStoreOptions options() {
        TelemetryStoreOptions o;
        o.path = dir_.file("telemetry.sqlite");
        o.batchInterval = std::chrono::milliseconds(50);
        return o;
    }

    std::unique_ptr<TelemetryStore> open(TelemetryStoreOptions o) {
        auto store = TelemetryStore::open(std::move(o), clock_);
        EXPECT_TRUE(store) << (store ? "" : store.error().message);
        return store ? std::move(store.value()) : nullptr;
    }

    static TelemetrySample sample(TimeUs t, double v, std::string point = "crac-1.supply_temp") {
        return TelemetrySample{std::move(point), "degC", t, v};
    }

    static TelemetrySeries read(TelemetryStore& store, TimeUs from, TimeUs to,
                                TelemetryResolution resolution,
                                std::string point = "crac-1.supply_temp") {
        auto series = store.query(TelemetryQuery{std::move(point), from, to, resolution});
        EXPECT_TRUE(series) << (series ? "" : series.error().message);
        return series ? series.value() : TelemetrySeries{};
    }

    TempDir dir_;
    ManualClock clock_{kT0};
};

}  // namespace

TEST_F(TelemetryStoreTest, RawMinuteAndHourAreKeptFromTheFirstSample) {
    auto store = open(options());
    ASSERT_TRUE(store);
    // 0 s .. 119 s: values 0..119, one a second.
    for (int i = 0; i < 120; ++i) {
        store->append(sample(kT0 + i * kSecond, i));
    }
    ASSERT_TRUE(store->flush());
    EXPECT_EQ(store->writtenCount(), 120U);

    auto raw = read(*store, kT0, kT0 + 10 * kSecond, TelemetryResolution::raw);
    ASSERT_EQ(raw.buckets.size(), 10U);
    EXPECT_EQ(raw.unit, "degC");
    EXPECT_EQ(raw.buckets[3].timeUs, kT0 + 3 * kSecond);
    EXPECT_EQ(raw.buckets[3].avg, 3.0);
    EXPECT_EQ(raw.buckets[3].count, 1);

    auto minutes = read(*store, kT0, kT0 + 3600 * kSecond, TelemetryResolution::minute);
    ASSERT_EQ(minutes.buckets.size(), 2U);
    EXPECT_EQ(minutes.buckets[0].timeUs, kT0);
    EXPECT_EQ(minutes.buckets[0].min, 0.0);
    EXPECT_EQ(minutes.buckets[0].max, 59.0);
    EXPECT_DOUBLE_EQ(minutes.buckets[0].avg, 29.5);
    EXPECT_EQ(minutes.buckets[0].count, 60);
    EXPECT_EQ(minutes.buckets[1].timeUs, kT0 + 60 * kSecond);
    EXPECT_EQ(minutes.buckets[1].min, 60.0);

    auto hours = read(*store, kT0, kT0 + 3600 * kSecond, TelemetryResolution::hour);
    ASSERT_EQ(hours.buckets.size(), 1U);
    EXPECT_EQ(hours.buckets[0].count, 120);
    EXPECT_EQ(hours.buckets[0].max, 119.0);
    EXPECT_DOUBLE_EQ(hours.buckets[0].avg, 59.5);
}

TEST_F(TelemetryStoreTest, BucketsMergeAcrossBatches) {
    auto store = open(options());
    ASSERT_TRUE(store);
    store->append(sample(kT0 + 1 * kSecond, 10));
    ASSERT_TRUE(store->flush());
    store->append(sample(kT0 + 2 * kSecond, -4));
    store->append(sample(kT0 + 3 * kSecond, 30));
    ASSERT_TRUE(store->flush());
    auto minutes = read(*store, kT0, kT0 + 60 * kSecond, TelemetryResolution::minute);
    ASSERT_EQ(minutes.buckets.size(), 1U);
    EXPECT_EQ(minutes.buckets[0].min, -4.0);
    EXPECT_EQ(minutes.buckets[0].max, 30.0);
    EXPECT_DOUBLE_EQ(minutes.buckets[0].avg, 12.0);
    EXPECT_EQ(minutes.buckets[0].count, 3);
}

TEST_F(TelemetryStoreTest, PointsAreSeparateAndUnknownPointsAreErrors) {
    auto store = open(options());
    ASSERT_TRUE(store);
    store->append(sample(kT0, 1, "a.x"));
    store->append(sample(kT0, 2, "b.y"));
    ASSERT_TRUE(store->flush());
    auto a = read(*store, kT0, kT0 + kSecond, TelemetryResolution::raw, "a.x");
    ASSERT_EQ(a.buckets.size(), 1U);
    EXPECT_EQ(a.buckets[0].avg, 1.0);
    auto missing = store->query(TelemetryQuery{"c.z", kT0, kT0 + kSecond});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, "telemetry.unknown_point");
    EXPECT_NE(missing.error().message.find("c.z"), std::string::npos);
    EXPECT_FALSE(store->query(TelemetryQuery{"a.x", kT0, kT0}));  // empty range
}

TEST_F(TelemetryStoreTest, RetentionDropsRawFirstThenMinutesThenHours) {
    auto o = options();
    o.rawRetentionUs = 3600 * kSecond;         // 1 h
    o.minuteRetentionUs = 2 * 3600 * kSecond;  // 2 h
    o.hourRetentionUs = 4 * 3600 * kSecond;    // 4 h
    auto store = open(o);
    ASSERT_TRUE(store);
    store->append(sample(kT0, 5));
    ASSERT_TRUE(store->flush());
    const TelemetryQuery all{"crac-1.supply_temp", kT0 - 3600 * kSecond, kT0 + 3600 * kSecond};
    auto countsAt = [&](TimeUs now) {
        clock_.set(now);
        EXPECT_TRUE(store->maintain());
        auto c = store->counts();
        EXPECT_TRUE(c);
        return c ? c.value() : TelemetryStoreCounts{};
    };
    auto c = countsAt(kT0 + 3600 * kSecond);  // exactly 1 h old: still kept
    EXPECT_EQ(c.rawRows, 1);
    c = countsAt(kT0 + 3600 * kSecond + 1);
    EXPECT_EQ(c.rawRows, 0);
    EXPECT_EQ(c.minuteRows, 1);
    EXPECT_EQ(c.hourRows, 1);
    // The minute bucket [T0, T0+60 s) goes once its end is 2 h old.
    c = countsAt(kT0 + 60 * kSecond + 2 * 3600 * kSecond - 1);
    EXPECT_EQ(c.minuteRows, 1);
    c = countsAt(kT0 + 60 * kSecond + 2 * 3600 * kSecond);
    EXPECT_EQ(c.minuteRows, 0);
    EXPECT_EQ(c.hourRows, 1);
    auto hours =
        store->query(TelemetryQuery{all.point, all.fromUs, all.toUs, TelemetryResolution::hour});
    ASSERT_TRUE(hours);
    ASSERT_EQ(hours->buckets.size(), 1U);
    EXPECT_EQ(hours->buckets[0].avg, 5.0);
    c = countsAt(kT0 + 5 * 3600 * kSecond);
    EXPECT_EQ(c.hourRows, 0);
}

TEST_F(TelemetryStoreTest, RowCapsKeepTheNewestRows) {
    auto o = options();
    o.maxRawRows = 50;
    o.maxMinuteRows = 3;
    auto store = open(o);
    ASSERT_TRUE(store);
    // 300 samples, one every 2 s: 10 minute buckets, 1 hour bucket.
    for (int i = 0; i < 300; ++i) {
        store->append(sample(kT0 + i * 2 * kSecond, i));
    }
    ASSERT_TRUE(store->flush());
    ASSERT_TRUE(store->maintain());
    auto c = store->counts();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->rawRows, 50);
    EXPECT_EQ(c->minuteRows, 3);
    EXPECT_EQ(c->hourRows, 1);
    auto raw = read(*store, kT0, kT0 + 3600 * kSecond, TelemetryResolution::raw);
    ASSERT_EQ(raw.buckets.size(), 50U);
    EXPECT_EQ(raw.buckets.front().avg, 250.0);  // the oldest 250 went
    EXPECT_EQ(raw.buckets.back().avg, 299.0);
    auto minutes = read(*store, kT0, kT0 + 3600 * kSecond, TelemetryResolution::minute);
    ASSERT_EQ(minutes.buckets.size(), 3U);
    EXPECT_EQ(minutes.buckets.front().timeUs, kT0 + 7 * 60 * kSecond);
}

TEST_F(TelemetryStoreTest, MaintenanceRunsByItselfOnTheInjectedClock) {
    auto o = options();
    o.rawRetentionUs = 60 * kSecond;
    o.maintenanceIntervalUs = 3600 * kSecond;
    auto store = open(o);
    ASSERT_TRUE(store);
    store->append(sample(kT0, 1));
    ASSERT_TRUE(store->flush());
    clock_.set(kT0 + 120 * kSecond);  // raw is out of retention, but no pass is due yet
    store->append(sample(kT0 + 120 * kSecond, 2));
    ASSERT_TRUE(store->flush());
    EXPECT_EQ(store->counts()->rawRows, 2);
    clock_.set(kT0 + 3600 * kSecond);  // due: the next batch runs a pass
    store->append(sample(kT0 + 3600 * kSecond, 3));
    ASSERT_TRUE(store->flush());
    EXPECT_EQ(store->counts()->rawRows, 1);
}

TEST_F(TelemetryStoreTest, AutomaticResolutionFollowsRetentionAndSpan) {
    auto o = options();
    auto store = open(o);
    ASSERT_TRUE(store);
    const TimeUs hour = 3600 * kSecond;
    auto pick = [&](TimeUs from, TimeUs to) {
        return store->resolve(TelemetryQuery{"p.x", from, to});
    };
    EXPECT_EQ(pick(kT0 - hour, kT0), TelemetryResolution::raw);
    EXPECT_EQ(pick(kT0 - 3 * hour, kT0), TelemetryResolution::minute);  // span over 2 h
    EXPECT_EQ(pick(kT0 - 3 * 24 * hour, kT0 - 3 * 24 * hour + hour),
              TelemetryResolution::minute);  // raw is gone there
    EXPECT_EQ(pick(kT0 - 8 * 24 * hour, kT0), TelemetryResolution::hour);
    EXPECT_EQ(pick(kT0 - 40 * 24 * hour, kT0 - 40 * 24 * hour + hour), TelemetryResolution::hour);
    EXPECT_EQ(store->resolve(TelemetryQuery{"p.x", kT0 - hour, kT0, TelemetryResolution::hour}),
              TelemetryResolution::hour);
}

TEST_F(TelemetryStoreTest, QueryLimitTruncatesAndSays) {
    auto store = open(options());
    ASSERT_TRUE(store);
    for (int i = 0; i < 20; ++i) {
        store->append(sample(kT0 + i * kSecond, i));
    }
    ASSERT_TRUE(store->flush());
    TelemetryQuery q{"crac-1.supply_temp", kT0, kT0 + 60 * kSecond, TelemetryResolution::raw, 5};
    auto series = store->query(q);
    ASSERT_TRUE(series);
    EXPECT_EQ(series->buckets.size(), 5U);
    EXPECT_TRUE(series->truncated);
    q.limit = 20;
    EXPECT_FALSE(store->query(q)->truncated);
}

TEST_F(TelemetryStoreTest, AFullQueueDropsTheOldestAndCountsThem) {
    auto o = options();
    o.maxQueued = 10;
    o.maxBatch = 1000;
    o.batchInterval = std::chrono::hours(1);  // nothing is written until the flush
    auto store = open(o);
    ASSERT_TRUE(store);
    for (int i = 0; i < 25; ++i) {
        store->append(sample(kT0 + i * kSecond, i));
    }
    ASSERT_TRUE(store->flush());
    EXPECT_EQ(store->droppedCount(), 15U);
    EXPECT_EQ(store->writtenCount(), 10U);
    auto raw = read(*store, kT0, kT0 + 60 * kSecond, TelemetryResolution::raw);
    ASSERT_EQ(raw.buckets.size(), 10U);
    EXPECT_EQ(raw.buckets.front().avg, 15.0);
}

TEST_F(TelemetryStoreTest, SamplesSurviveAReopenAndStopCommitsWhatIsQueued) {
    auto o = options();
    o.batchInterval = std::chrono::hours(1);
    {
        auto store = open(o);
        ASSERT_TRUE(store);
        store->append(sample(kT0, 7));
        store->stop();  // no flush: stop itself commits the queue
        EXPECT_EQ(store->writtenCount(), 1U);
        store->append(sample(kT0 + kSecond, 8));  // too late: counted, not queued forever
        EXPECT_EQ(store->droppedCount(), 1U);
        EXPECT_TRUE(store->flush());  // returns at once instead of waiting for a dead writer
    }
    auto again = open(o);
    ASSERT_TRUE(again);
    auto raw = read(*again, kT0, kT0 + kSecond, TelemetryResolution::raw);
    ASSERT_EQ(raw.buckets.size(), 1U);
    EXPECT_EQ(raw.buckets[0].avg, 7.0);
}

TEST_F(TelemetryStoreTest, ItsOwnFileLeavesTheSiteDatabaseAlone) {
    auto site = Database::open(dir_.file("sekimori.sqlite"));
    ASSERT_TRUE(site);
    ASSERT_TRUE((*site)->exec("BEGIN IMMEDIATE"));  // the audit writer holds its lock
    auto store = open(options());
    ASSERT_TRUE(store);
    store->append(sample(kT0, 1));
    EXPECT_TRUE(store->flush());
    ASSERT_TRUE((*site)->exec("COMMIT"));
    EXPECT_TRUE(std::filesystem::exists(dir_.file("telemetry.sqlite")));
}
