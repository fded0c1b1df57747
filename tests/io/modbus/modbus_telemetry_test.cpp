#include "io/modbus/modbus_telemetry.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <vector>

#include "core/clock.hpp"
#include "core/core_event_types.hpp"
#include "core/event_recorder.hpp"

#include "tests/io/modbus/point_spec.hpp"

namespace sekimori::io::modbus {
namespace {

using test::point;

using namespace std::chrono_literals;
constexpr core::TimeUs kT0 = 1'796'083'200'000'000;

class KeepingRecorder final : public core::EventRecorder {
  public:
    void record(core::Event event) override { events.push_back(std::move(event)); }
    void commit(core::Change change) override {
        for (auto& e : change.events) {
            events.push_back(std::move(e));
        }
    }
    std::vector<core::Event> events;
};

DeviceSpec meter() {
    DeviceSpec d;
    d.id = "pm-a";
    d.poll = 1000ms;
    d.timeout = 500ms;
    d.points = {point("volts", Table::holding, 0, ValueType::f32, 1, "V"),
                point("amps", Table::holding, 2, ValueType::u16, 1, "A")};
    return d;
}

PassResult good(core::TimeUs at, double volts, double amps) {
    PassResult pass;
    pass.device = "pm-a";
    pass.timeUs = at;
    pass.values = {volts, amps};
    return pass;
}

PassResult timedOut(core::TimeUs at) {
    PassResult pass;
    pass.device = "pm-a";
    pass.timeUs = at;
    pass.error = PassError::timeout;
    pass.message = "Connection timed out";
    return pass;
}

TEST(ModbusTelemetry, APassSamplesEveryPointAndATimeOutIsAQualityChangeNeverAValue) {
    core::ManualClock clock{kT0};
    KeepingRecorder recorder;
    core::TelemetryRegistry registry(recorder, clock, nullptr);
    auto telemetry = ModbusTelemetry::declare(registry, meter(), "power:pm-a",
                                              {{"volts", core::TelemetryEnvelope{200, 240, 2}}});
    ASSERT_TRUE(telemetry) << telemetry.error().message;
    ASSERT_TRUE(telemetry->apply(good(kT0, 230.5, 12.3)));
    const auto* volts = registry.find("pm-a.volts");
    ASSERT_NE(volts, nullptr);
    EXPECT_EQ(volts->quality(), core::TelemetryQuality::good);
    EXPECT_EQ(volts->value(), 230.5);
    EXPECT_EQ(volts->spec().unit, "V");
    EXPECT_EQ(volts->spec().pollIntervalUs, 1'000'000);
    EXPECT_EQ(registry.find("pm-a.amps")->value(), 12.3);
    // Three time-outs in a row: failed, with the reason; the value is the last good one, never
    // a zero read from nothing.
    for (int i = 1; i <= 3; ++i) {
        ASSERT_TRUE(telemetry->apply(timedOut(kT0 + i * 1'000'000)));
    }
    EXPECT_EQ(volts->quality(), core::TelemetryQuality::failed);
    EXPECT_EQ(volts->value(), 230.5);
    EXPECT_EQ(volts->lastError(), "timeout: Connection timed out");
    int lost = 0;
    for (const auto& e : recorder.events) {
        if (e.type == core::kTelemetryQualityLost.name) {
            ++lost;
            EXPECT_EQ(nlohmann::json::parse(e.payload).value("reason", ""), "errors") << e.payload;
        }
    }
    EXPECT_EQ(lost, 2);  // one per point
    // Out of its envelope is its own change, from a good value only.
    ASSERT_TRUE(telemetry->apply(good(kT0 + 5'000'000, 180.0, 12.0)));
    EXPECT_EQ(volts->quality(), core::TelemetryQuality::good);
    EXPECT_TRUE(volts->outOfEnvelope());
}

TEST(ModbusTelemetry, APassOfAnotherDeviceOrWithTheWrongCountIsRefused) {
    core::ManualClock clock{kT0};
    KeepingRecorder recorder;
    core::TelemetryRegistry registry(recorder, clock, nullptr);
    auto telemetry = ModbusTelemetry::declare(registry, meter(), "power:pm-a");
    ASSERT_TRUE(telemetry);
    PassResult other = good(kT0, 1, 2);
    other.device = "pm-b";
    EXPECT_EQ(telemetry->apply(other).error().code, "modbus.wrong_device");
    PassResult shortPass = good(kT0, 1, 2);
    shortPass.values.pop_back();
    EXPECT_EQ(telemetry->apply(shortPass).error().code, "modbus.bad_pass");
    EXPECT_FALSE(registry.find("pm-a.volts")->value());
    // Declaring the same device twice is an error (the ids are taken).
    EXPECT_FALSE(ModbusTelemetry::declare(registry, meter(), "power:pm-a"));
}

}  // namespace
}  // namespace sekimori::io::modbus
