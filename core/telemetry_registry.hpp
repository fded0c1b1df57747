#pragma once
// The telemetry points of the daemon, declared by name before use (as NUT names its variables).
// Lives on the io thread: a domain's poller reports each reading or failed poll here; the
// registry keeps each point's quality, records its state changes through the EventRecorder
// (stored, chained, published) and hands good samples to the TelemetryStore (batched on its
// own thread). Neither call blocks.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "core/telemetry_point.hpp"
#include "core/telemetry_store.hpp"

namespace sekimori::core {

// What a console tile or a status query shows for one point.
struct TelemetryReading {
    std::string point;
    std::string unit;
    std::optional<double> value;  // the last good value; show it as live only when good
    TimeUs timeUs = 0;            // when that value was read
    TelemetryQuality quality = TelemetryQuality::stale;
    std::uint64_t errors = 0;
    bool outOfEnvelope = false;
};

class TelemetryRegistry {
  public:
    // `store` may be null (no trends kept, e.g. in a test of a domain's alarms).
    TelemetryRegistry(EventRecorder& recorder, const Clock& clock, TelemetryStore* store);

    // Before the first report. The id must be unique and the spec valid.
    Result<void> declare(TelemetryPointSpec spec);

    // A good reading (timeUs 0: now). Unknown ids are errors, never silently ignored.
    Result<void> sample(std::string_view point, double value, TimeUs timeUs = 0);
    // A failed poll (time-out, exception reply, bad data), with what went wrong.
    Result<void> error(std::string_view point, std::string message, TimeUs timeUs = 0);
    // Applies the age limits as of now. Call at nextDeadlineUs() (a timer) or after each poll.
    void tick();
    TimeUs nextDeadlineUs() const;

    const TelemetryPoint* find(std::string_view point) const;
    std::vector<TelemetryReading> readings() const;  // in id order

  private:
    TelemetryPoint* lookup(std::string_view point);
    void recordChanges(const TelemetryPoint& point, const std::vector<TelemetryChange>& changes);

    EventRecorder& recorder_;
    const Clock& clock_;
    TelemetryStore* store_;
    std::map<std::string, TelemetryPoint, std::less<>> points_;
};

}  // namespace sekimori::core
