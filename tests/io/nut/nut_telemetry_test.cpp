#include "io/nut/nut_telemetry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"

namespace sekimori::io::nut {
namespace {

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

NutUpsSpec ups() {
    NutUpsSpec spec;
    spec.id = "ups-1";
    spec.ups = "ups1";
    spec.poll = 2000ms;
    return spec;
}

NutPassResult good(core::TimeUs at, std::map<std::string, std::string> vars) {
    NutPassResult pass;
    pass.id = "ups-1";
    pass.timeUs = at;
    pass.vars = std::move(vars);
    return pass;
}

std::map<std::string, std::string> online() {
    return {{"ups.status", "OL CHRG"},   {"battery.charge", "100"},
            {"battery.runtime", "3600"}, {"ups.load", "23"},
            {"input.voltage", "230.5"},  {"input.frequency", "50.0"},
            {"output.voltage", "229.8"}, {"input.transfer.reason", "input voltage out of range"},
            {"ups.mfr", "not a point"}};
}

struct Fixture {
    core::ManualClock clock{kT0};
    KeepingRecorder recorder;
    core::TelemetryRegistry registry{recorder, clock, nullptr};
    const core::TelemetryPoint& at(const std::string& point) const {
        const auto* p = registry.find("ups-1." + point);
        EXPECT_NE(p, nullptr) << point;
        return *p;
    }
};

TEST(NutTelemetry, DeclaresTheTenPointsWithUnitsAndThePollPeriod) {
    Fixture f;
    auto telemetry = NutTelemetry::declare(f.registry, ups(), "ups:ups-1");
    ASSERT_TRUE(telemetry) << telemetry.error().message;
    const std::vector<std::pair<std::string, std::string>> want{
        {"battery_charge", "%"}, {"battery_runtime", "s"},  {"ups_load", "%"},
        {"input_voltage", "V"},  {"input_frequency", "Hz"}, {"output_voltage", "V"},
        {"on_line", ""},         {"on_battery", ""},        {"low_battery", ""},
        {"replace_battery", ""}};
    ASSERT_EQ(nutPoints().size(), want.size());
    for (const auto& [point, unit] : want) {
        const auto& p = f.at(point);
        EXPECT_EQ(p.spec().unit, unit) << point;
        EXPECT_EQ(p.spec().source, "ups:ups-1");
        EXPECT_EQ(p.spec().pollIntervalUs, 2'000'000);
    }
    EXPECT_EQ(f.registry.readings().size(), want.size());
    // Declared twice: the registry refuses the second.
    EXPECT_FALSE(NutTelemetry::declare(f.registry, ups(), "ups:ups-1"));
    // An envelope for a point that does not exist is a mistake, not ignored.
    Fixture g;
    const auto bad = NutTelemetry::declare(g.registry, ups(), "ups:ups-1",
                                           {{"battery_level", core::TelemetryEnvelope{}}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, "nut.bad_envelope");
}

TEST(NutTelemetry, AGoodPassSamplesNumbersAndStatusFlagsAtThePassTime) {
    Fixture f;
    core::TelemetryEnvelope low;
    low.low = 30;
    auto telemetry =
        NutTelemetry::declare(f.registry, ups(), "ups:ups-1", {{"battery_charge", low}});
    ASSERT_TRUE(telemetry);
    ASSERT_TRUE(telemetry->apply(good(kT0 + 5, online())));
    EXPECT_EQ(f.at("battery_charge").value(), 100.0);
    EXPECT_EQ(f.at("battery_charge").valueTimeUs(), kT0 + 5);
    EXPECT_EQ(f.at("battery_runtime").value(), 3600.0);
    EXPECT_EQ(f.at("ups_load").value(), 23.0);
    EXPECT_EQ(f.at("input_voltage").value(), 230.5);
    EXPECT_EQ(f.at("input_frequency").value(), 50.0);
    EXPECT_EQ(f.at("output_voltage").value(), 229.8);
    EXPECT_EQ(f.at("on_line").value(), 1.0);
    EXPECT_EQ(f.at("on_battery").value(), 0.0);
    EXPECT_EQ(f.at("low_battery").value(), 0.0);
    EXPECT_EQ(f.at("replace_battery").value(), 0.0);
    for (const auto& r : f.registry.readings()) {
        EXPECT_EQ(r.quality, core::TelemetryQuality::good) << r.point;
    }
    EXPECT_EQ(telemetry->status(), "OL CHRG");
    EXPECT_EQ(telemetry->transferReason(), "input voltage out of range");
    EXPECT_EQ(telemetry->statusTimeUs(), kT0 + 5);

    auto onBattery = online();
    onBattery["ups.status"] = "OB DISCHRG LB RB";
    onBattery["battery.charge"] = "12";
    ASSERT_TRUE(telemetry->apply(good(kT0 + 2'000'000, onBattery)));
    EXPECT_EQ(f.at("on_line").value(), 0.0);
    EXPECT_EQ(f.at("on_battery").value(), 1.0);
    EXPECT_EQ(f.at("low_battery").value(), 1.0);
    EXPECT_EQ(f.at("replace_battery").value(), 1.0);
    EXPECT_TRUE(f.at("battery_charge").outOfEnvelope());
    EXPECT_EQ(telemetry->status(), "OB DISCHRG LB RB");
    // A flag is a whole word: "OLX" is not on line, "BOOST" is not on battery.
    auto odd = online();
    odd["ups.status"] = "OLX BOOST";
    ASSERT_TRUE(telemetry->apply(good(kT0 + 4'000'000, odd)));
    EXPECT_EQ(f.at("on_line").value(), 0.0);
    EXPECT_EQ(f.at("on_battery").value(), 0.0);
}

TEST(NutTelemetry, AVariableTheUpsDoesNotReportIsAnErrorOfItsPointOnly) {
    Fixture f;
    auto telemetry = NutTelemetry::declare(f.registry, ups(), "ups:ups-1");
    ASSERT_TRUE(telemetry);
    auto partial = online();
    partial.erase("input.voltage");
    partial.erase("input.transfer.reason");
    partial["ups.load"] = "n/a";
    ASSERT_TRUE(telemetry->apply(good(kT0, partial)));
    const auto& input = f.at("input_voltage");
    EXPECT_FALSE(input.value());
    EXPECT_EQ(input.errorCount(), 1U);
    EXPECT_EQ(input.lastError(), "not reported by upsd: input.voltage");
    EXPECT_EQ(f.at("ups_load").lastError(), "ups.load: 'n/a' is not a number");
    EXPECT_EQ(f.at("battery_charge").quality(), core::TelemetryQuality::good);
    EXPECT_EQ(telemetry->transferReason(), "");

    auto noStatus = online();
    noStatus.erase("ups.status");
    ASSERT_TRUE(telemetry->apply(good(kT0 + 1, noStatus)));
    for (const char* flag : {"on_line", "on_battery", "low_battery", "replace_battery"}) {
        EXPECT_EQ(f.at(flag).lastError(), "not reported by upsd: ups.status") << flag;
        EXPECT_EQ(f.at(flag).consecutiveErrors(), 1) << flag;
        EXPECT_EQ(f.at(flag).valueTimeUs(), kT0) << flag << ": no new value was made up";
    }
    EXPECT_EQ(f.at("battery_charge").valueTimeUs(), kT0 + 1);
    EXPECT_EQ(telemetry->status(), "");
}

TEST(NutTelemetry, AFailedPassFailsEveryPointAtOnceWithTheSameReason) {
    Fixture f;
    auto telemetry = NutTelemetry::declare(f.registry, ups(), "ups:ups-1");
    ASSERT_TRUE(telemetry);
    ASSERT_TRUE(telemetry->apply(good(kT0, online())));
    NutPassResult dead;
    dead.id = "ups-1";
    dead.error = NutError::connect;
    dead.message = "Connection refused (127.0.0.1:3493)";
    for (int i = 1; i <= 3; ++i) {
        dead.timeUs = kT0 + i * 2'000'000;
        ASSERT_TRUE(telemetry->apply(dead));
    }
    for (const auto& def : nutPoints()) {
        const auto& p = f.at(std::string(def.point));
        EXPECT_EQ(p.quality(), core::TelemetryQuality::failed) << def.point;
        EXPECT_EQ(p.lastError(), "connect: Connection refused (127.0.0.1:3493)") << def.point;
        EXPECT_EQ(p.consecutiveErrors(), 3) << def.point;
    }
    // The status string stays readable, with the time of the pass that reported it.
    EXPECT_EQ(telemetry->status(), "OL CHRG");
    EXPECT_EQ(telemetry->statusTimeUs(), kT0);

    NutPassResult other = good(kT0, online());
    other.id = "ups-2";
    const auto wrong = telemetry->apply(other);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, "nut.wrong_ups");
}

}  // namespace
}  // namespace sekimori::io::nut
