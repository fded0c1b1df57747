#pragma once
// The power plant as the controller knows it (power/README.md): which feeds are live, where the
// transfer switch is (its aux contacts, never a command), what the generator is doing, which UPS
// is on battery, who carries the load, and how long the fuel lasts. Pure: it reads telemetry
// points from a core::TelemetryRegistry, does no I/O and owns no timer; every call takes the
// time. evaluate() returns the events to record (docs/events.md, section Power); the caller
// records them and calls evaluate() again at nextDeadlineUs(), when a debounce or a delay runs
// out without a new poll. io thread only, like the registry.
//
// A point that is not good makes what it measures unknown, never lost: a Modbus time-out is a
// quality change, never a transfer.
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/telemetry_registry.hpp"
#include "power/power_config.hpp"

namespace sekimori::power {

struct PlantModelOptions {
    // A feed's loss or return, a switch fault, a disagreement or a low battery is recorded only
    // once it has held this long; a shorter bounce records nothing.
    core::TimeUs debounceUs = 2'000'000;
    // A feed is live when its meter's voltage_ln_avg is at least this fraction of nominal_v.
    double liveVoltageFraction = 0.8;
    // The switch reporting "transferring" longer than this is a switch fault.
    core::TimeUs transferStuckUs = 30'000'000;
    // Fuel endurance below the requirement (or back above it) must hold this long.
    core::TimeUs fuelDelayUs = 30'000'000;
    // power.fuel_ok only once endurance is at least required + this many hours.
    double fuelHysteresisHours = 4.0;
    // A day-tank rise of at least this share of the day tank, not a delivery, is fuel pumped
    // from the bulk tank and comes off its book (power.fuel_transferred).
    double fuelTransferMinPercent = 5.0;
    // power.battery_ok only once the charge is battery_low_percent + this.
    double batteryOkMarginPercent = 5.0;
    // The console's projection of the fuel left: this far ahead, in this many steps.
    double projectionHours = 96.0;
    int projectionSteps = 48;
};

class PlantModel {
  public:
    static constexpr core::TimeUs kNoDeadline = std::numeric_limits<core::TimeUs>::max();

    PlantModel(PowerPlantConfig config, PlantModelOptions options = {});

    // Reads the plant's points as they are now and returns the events their changes make, in
    // the order they happened to be found (feeds, switch, generator, UPS, transfer, fuel). Call
    // after every applied poll pass or NUT read, and at nextDeadlineUs().
    std::vector<core::Event> evaluate(const core::TelemetryRegistry& registry, core::TimeUs nowUs);
    // When evaluate() may next record something without a new reading; kNoDeadline if never.
    core::TimeUs nextDeadlineUs() const;

    // The console's picture (power/README.md, "The view"); values only where their point is
    // good, null otherwise.
    nlohmann::json view(const core::TelemetryRegistry& registry, core::TimeUs nowUs) const;

    // A fuel delivery an operator records: into the bulk tank (its book, up to its capacity),
    // or into the day tank when the site has no bulk tank (measured, so the book is unchanged).
    // Returns power.refuelled; nothing when litres is not a number above 0 and at most 1e7.
    std::vector<core::Event> refuelled(double litres, std::string actor, core::TimeUs nowUs);

    // Restores the state after a restart: feed every recorded power.* event of the trail, in
    // seq order, before the first evaluate(). Afterwards it changes nothing (the model's own
    // events are already its state). Other types are ignored.
    void apply(const core::RecordedEvent& recorded);
    void apply(const core::Event& event);

    // The telemetry point ids the model reads ("pm-feed-a.voltage_ln_avg", "ups-1.on_battery").
    std::vector<std::string> pointIds() const;
    const PowerPlantConfig& config() const { return config_; }
    // The bulk tank's book (litres): capacity at first start, less pumped, plus delivered.
    double bulkLitres() const { return bulkLitres_; }

    // A value that must hold for a delay before it counts.
    template <class T>
    struct Debounced {
        std::optional<T> committed;
        std::optional<T> candidate;
        core::TimeUs sinceUs = 0;
        // An absent `raw` holds nothing back and advances nothing. True when committed changed.
        bool observe(const std::optional<T>& raw, core::TimeUs nowUs, core::TimeUs delayUs);
        core::TimeUs deadlineUs(core::TimeUs delayUs) const {
            return candidate ? sinceUs + delayUs : kNoDeadline;
        }
    };

  private:
    struct FeedState {
        Debounced<bool> live;  // true live, false lost
        Debounced<bool> disagreement;
        std::optional<core::TimeUs> lossStartUs;  // first lost reading since the last live one
    };
    struct UpsState {
        std::optional<bool> onBattery;
        std::optional<core::TimeUs> onBatterySinceUs;
        Debounced<bool> batteryLow;
    };
    struct Observation;

    Observation observe(const core::TelemetryRegistry& registry) const;
    void applyParsed(const core::Event& event, const nlohmann::json& payload);
    void evaluateFeeds(const Observation& o, core::TimeUs nowUs, std::vector<core::Event>& out);
    void evaluateSwitch(const Observation& o, core::TimeUs nowUs, std::vector<core::Event>& out);
    void evaluateGenerator(const Observation& o, core::TimeUs nowUs, std::vector<core::Event>& out);
    void evaluateUps(const Observation& o, core::TimeUs nowUs, std::vector<core::Event>& out);
    void evaluateTransfer(const Observation& o, core::TimeUs nowUs, std::vector<core::Event>& out);
    void evaluateFuel(const Observation& o, core::TimeUs nowUs, std::vector<core::Event>& out);
    std::optional<bool> feedLive(const Observation& o, std::size_t feed) const;
    std::optional<std::string> carrier(const Observation& o) const;
    std::string transferSource() const;

    PowerPlantConfig config_;
    PlantModelOptions options_;
    bool started_ = false;
    std::vector<FeedState> feeds_;
    std::vector<UpsState> ups_;
    Debounced<bool> switchFault_;
    std::optional<core::TimeUs> transferringSinceUs_;
    std::optional<int> generatorState_;
    std::optional<core::TimeUs> crankStartUs_;
    std::optional<core::TimeUs> leftOnLoadUs_;
    std::optional<std::string> lastCarrier_;
    std::optional<core::TimeUs> leftCarrierUs_;
    Debounced<bool> fuelLow_;
    double bulkLitres_ = 0;
    std::optional<double> dayLowLitres_;  // lowest day-tank reading since the last transfer
};

}  // namespace sekimori::power
