#pragma once
// One polled value (a Modbus register, a UPS variable, a room sensor) as the controller knows
// it: the last good value with its time, a quality and an error count. Pure: no I/O, no clock;
// every call takes the time. The calls return the point's state changes, the only things that
// become audited events (core/telemetry_events.hpp); samples go to the telemetry store.
//
// Quality (docs/telemetry.md):
//   good   a value newer than the stale limit;
//   stale  no good value for `staleAfterMissedPolls` poll intervals or `maxAgeUs`, whichever
//          comes first (a point starts stale, with no value);
//   failed `failAfterErrors` polls in a row failed. Only a good sample leaves failed.
// A point that comes up normally records nothing; one that has no value a stale limit after it
// was declared records quality_lost (reason no_data). Every quality_lost is later followed by
// one quality_recovered when a good sample arrives.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace sekimori::core {

enum class TelemetryQuality : std::uint8_t { good, stale, failed };
std::string_view toString(TelemetryQuality quality);

// Where a good value should lie. Out when below `low` or above `high`; back in only once
// `deadband` inside both, so a value hovering on a bound does not flap.
struct TelemetryEnvelope {
    std::optional<double> low;
    std::optional<double> high;
    double deadband = 0;
};

struct TelemetryPointSpec {
    std::string id;      // "crac-1.supply_temp": 1..128 of [a-z0-9_.-]
    std::string unit;    // "degC", "%", "V", "A", "kW", "L" (docs/telemetry.md)
    std::string source;  // the producer, as events name it: "crac:crac-1", "ups:ups-a"
    TimeUs pollIntervalUs = 1'000'000;
    int staleAfterMissedPolls = 3;
    TimeUs maxAgeUs = 0;  // 0: only the missed polls count
    int failAfterErrors = 3;
    TelemetryEnvelope envelope;
};

// Names the point and the field that is wrong.
Result<void> validateTelemetryPointSpec(const TelemetryPointSpec& spec);

enum class TelemetryChangeKind { qualityLost, qualityRecovered, outOfEnvelope, backInEnvelope };

struct TelemetryChange {
    TelemetryChangeKind kind = TelemetryChangeKind::qualityLost;
    TimeUs timeUs = 0;
    std::optional<TelemetryQuality> previous;  // absent for a point that never had a value
    TelemetryQuality quality = TelemetryQuality::stale;  // after the change
    std::string reason;                // quality lost: missed_polls, too_old, errors, no_data
    std::optional<double> value;       // the sample that caused it, when one did
    std::optional<TimeUs> ageUs;       // quality lost: age of the last good value
    std::optional<TimeUs> durationUs;  // recovered: time not good; back in: time out
    std::string bound;                 // out of envelope: "low" or "high"
};

class TelemetryPoint {
  public:
    // `declaredUs` starts the wait for the first value.
    TelemetryPoint(TelemetryPointSpec spec, TimeUs declaredUs);

    // A good reading taken at `timeUs`. A value that is not finite counts as an error. A
    // reading older than the current value changes nothing (it may still be stored).
    std::vector<TelemetryChange> sample(double value, TimeUs timeUs);
    // A poll that failed (time-out, exception reply, bad data), with what went wrong.
    std::vector<TelemetryChange> error(std::string message, TimeUs timeUs);
    // Applies the age limits as of `nowUs`; call at nextDeadlineUs() or later.
    std::vector<TelemetryChange> tick(TimeUs nowUs);
    // When tick() may next change something; kNoDeadline when nothing is pending.
    TimeUs nextDeadlineUs() const;
    static constexpr TimeUs kNoDeadline = std::numeric_limits<TimeUs>::max();

    const TelemetryPointSpec& spec() const { return spec_; }
    TelemetryQuality quality() const { return quality_; }
    std::optional<double> value() const { return value_; }  // shown only with its quality
    TimeUs valueTimeUs() const { return valueTimeUs_; }
    std::uint64_t errorCount() const { return errorCount_; }  // since declared
    int consecutiveErrors() const { return consecutiveErrors_; }
    const std::string& lastError() const { return lastError_; }
    bool outOfEnvelope() const { return outBound_.has_value(); }
    TimeUs staleAfterUs() const;

  private:
    void enterEnvelopeState(double value, TimeUs timeUs, std::vector<TelemetryChange>& changes);
    void lose(TelemetryQuality quality, std::string reason, TimeUs timeUs,
              std::vector<TelemetryChange>& changes);

    TelemetryPointSpec spec_;
    TimeUs declaredUs_;
    TelemetryQuality quality_ = TelemetryQuality::stale;
    bool everGood_ = false;
    bool lossRecorded_ = false;  // a quality_lost awaits its quality_recovered
    TimeUs notGoodSinceUs_;
    std::optional<double> value_;
    TimeUs valueTimeUs_ = 0;
    std::uint64_t errorCount_ = 0;
    int consecutiveErrors_ = 0;
    std::string lastError_;
    std::optional<std::string> outBound_;  // "low" / "high" while out of the envelope
    TimeUs outSinceUs_ = 0;
};

}  // namespace sekimori::core
