#include "core/telemetry_registry.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "audit_test_support.hpp"
#include "core/core_event_types.hpp"

using namespace sekimori::core;
using sekimori::core::testing::TempDir;

namespace {

constexpr TimeUs kSecond = 1'000'000;
constexpr TimeUs kT0 = 1'796'083'200'000'000;

// Keeps what the registry records. Which events are recorded is the question here; durability
// and ordering are the AuditedRecorder's (tests/core/audited_recorder_test.cpp).
class KeepingRecorder final : public EventRecorder {
  public:
    void record(Event event) override { events.push_back(std::move(event)); }
    void commit(Change change) override {
        for (auto& e : change.events) {
            events.push_back(std::move(e));
        }
    }
    std::vector<Event> events;
};

TelemetryPointSpec roomTemp(std::string id = "room-1.temp") {
    TelemetryPointSpec spec;
    spec.id = std::move(id);
    spec.unit = "degC";
    spec.source = "hvac:room-1";
    spec.pollIntervalUs = 10 * kSecond;
    spec.staleAfterMissedPolls = 3;
    spec.failAfterErrors = 2;
    spec.envelope = TelemetryEnvelope{18.0, 27.0, 0.5};
    return spec;
}

class TelemetryRegistryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        TelemetryStoreOptions o;
        o.path = dir_.file("telemetry.sqlite");
        auto s = TelemetryStore::open(o, clock_);
        ASSERT_TRUE(s) << s.error().message;
        store_ = std::move(s.value());
        registry_ = std::make_unique<TelemetryRegistry>(recorder_, clock_, store_.get());
    }

    std::vector<std::string> types() const {
        std::vector<std::string> out;
        for (const auto& e : recorder_.events) {
            out.push_back(e.type);
        }
        return out;
    }

    TempDir dir_;
    ManualClock clock_{kT0};
    KeepingRecorder recorder_;
    std::unique_ptr<TelemetryStore> store_;
    std::unique_ptr<TelemetryRegistry> registry_;
};

}  // namespace

TEST_F(TelemetryRegistryTest, SamplesGoToTheStoreAndOnlyStateChangesAreAudited) {
    ASSERT_TRUE(registry_->declare(roomTemp()));
    for (int i = 0; i < 30; ++i) {
        clock_.set(kT0 + i * 10 * kSecond);
        ASSERT_TRUE(registry_->sample("room-1.temp", 22.0 + (i % 3) * 0.1));
        registry_->tick();
    }
    EXPECT_TRUE(recorder_.events.empty());  // 30 polls, no change: no audit row
    ASSERT_TRUE(store_->flush());
    auto series = store_->query(
        TelemetryQuery{"room-1.temp", kT0, kT0 + 3600 * kSecond, TelemetryResolution::raw});
    ASSERT_TRUE(series);
    EXPECT_EQ(series->buckets.size(), 30U);
    EXPECT_EQ(series->unit, "degC");
}

TEST_F(TelemetryRegistryTest, QualityAndEnvelopeChangesAreRecordedWithTheirSource) {
    ASSERT_TRUE(registry_->declare(roomTemp()));
    ASSERT_TRUE(registry_->sample("room-1.temp", 22.0));
    EXPECT_EQ(registry_->nextDeadlineUs(), kT0 + 30 * kSecond);
    clock_.set(kT0 + 30 * kSecond);
    registry_->tick();
    clock_.set(kT0 + 35 * kSecond);
    ASSERT_TRUE(registry_->sample("room-1.temp", 28.0));
    ASSERT_TRUE(registry_->sample("room-1.temp", 22.0));
    ASSERT_TRUE(registry_->error("room-1.temp", "timeout"));
    ASSERT_TRUE(registry_->error("room-1.temp", "timeout"));
    EXPECT_EQ(types(),
              (std::vector<std::string>{
                  std::string(kTelemetryQualityLost), std::string(kTelemetryQualityRecovered),
                  std::string(kTelemetryOutOfEnvelope), std::string(kTelemetryBackInEnvelope),
                  std::string(kTelemetryQualityLost)}));
    for (const auto& e : recorder_.events) {
        EXPECT_EQ(e.source, "hvac:room-1");
        EXPECT_EQ(nlohmann::json::parse(e.payload)["point"], "room-1.temp");
    }
    EXPECT_EQ(recorder_.events[0].timeUs, kT0 + 30 * kSecond);
    EXPECT_EQ(nlohmann::json::parse(recorder_.events.back().payload)["quality"], "failed");
    const auto readings = registry_->readings();
    ASSERT_EQ(readings.size(), 1U);
    EXPECT_EQ(readings[0].quality, TelemetryQuality::failed);
    EXPECT_EQ(readings[0].value, 22.0);
    EXPECT_EQ(readings[0].errors, 2U);
}

TEST_F(TelemetryRegistryTest, TheEarliestDeadlineAmongPoints) {
    ASSERT_TRUE(registry_->declare(roomTemp("room-1.temp")));
    auto fast = roomTemp("room-1.humidity");
    fast.unit = "%";
    fast.pollIntervalUs = kSecond;
    ASSERT_TRUE(registry_->declare(fast));
    EXPECT_EQ(registry_->nextDeadlineUs(), kT0 + 3 * kSecond);
    clock_.set(kT0 + 3 * kSecond);
    registry_->tick();
    ASSERT_EQ(recorder_.events.size(), 1U);  // only the humidity point has no data yet
    EXPECT_EQ(nlohmann::json::parse(recorder_.events[0].payload)["reason"], "no_data");
    EXPECT_EQ(registry_->nextDeadlineUs(), kT0 + 30 * kSecond);
}

TEST_F(TelemetryRegistryTest, UnknownAndDuplicatePointsAreErrors) {
    ASSERT_TRUE(registry_->declare(roomTemp()));
    auto again = registry_->declare(roomTemp());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, "telemetry.duplicate_point");
    auto unknown = registry_->sample("room-2.temp", 20.0);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("room-2.temp"), std::string::npos);
    EXPECT_FALSE(registry_->error("room-2.temp", "timeout"));
    auto bad = roomTemp("Room 3");
    EXPECT_FALSE(registry_->declare(bad));
    EXPECT_EQ(registry_->find("room-2.temp"), nullptr);
    ASSERT_NE(registry_->find("room-1.temp"), nullptr);
}

TEST_F(TelemetryRegistryTest, ANonFiniteReadingIsAnErrorAndNotStored) {
    ASSERT_TRUE(registry_->declare(roomTemp()));
    ASSERT_TRUE(registry_->sample("room-1.temp", std::numeric_limits<double>::infinity()));
    EXPECT_EQ(registry_->find("room-1.temp")->errorCount(), 1U);
    ASSERT_TRUE(store_->flush());
    EXPECT_EQ(store_->writtenCount(), 0U);
}
