#pragma once
// The climate watch (docs/hvac.md): from the telemetry points of the CRAC units and room sensors,
// the conditions a data-center operator alarms on — a value outside its envelope (held for a
// delay, back only by a deadband and after a delay), the dew point outside ASHRAE's recommended
// range, a temperature changing too fast over a sliding window, a leak (at once), a CRAC that
// stopped or reports its alarm. Pure: no I/O, no clock; every call takes the time and the points'
// readings, and returns the events to record. A point that is not good raises and clears nothing
// (its quality change is recorded by the telemetry registry); a pending delay starts again.
// Climate events within a window after a power event carry `after_power_event`.
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "hvac/hvac_config.hpp"

namespace sekimori::hvac {

enum class WatchKind { envelope, dewPoint, rate, leak, cracRunning, cracAlarm };

// One watched condition. `id` is unique among the watches of one kind's event types and is the
// alarm's source (hvac:<id>): a sensor id, "<crac>.supply_temp", "<zone>.dew_point", a CRAC id.
struct Watch {
    std::string id;
    WatchKind kind = WatchKind::envelope;
    std::string source;  // the events' source: "sensor:<id>", "crac:<id>", "zone:<id>"
    nlohmann::json about = nlohmann::json::object();  // {"sensor"|"crac": id, "zone": id}
    std::string point;                                // the telemetry point read
    std::string humidityPoint;                        // dew point only: with `point` (temperature)
    std::string unit;
    std::optional<double> low;
    std::optional<double> high;
    double deadband = 0;
};

struct ClimateWatchConfig {
    std::vector<Watch> watches;
    core::TimeUs alarmDelayUs = 60'000'000;
    core::TimeUs restoreDelayUs = 60'000'000;
    double rateLimit = 5.0;
    core::TimeUs rateWindowUs = 900'000'000;
    core::TimeUs powerWindowUs = 900'000'000;
};

// The telemetry point of each profile value: "<device>.<point>" (io/modbus/modbus_telemetry.hpp).
std::string sensorPoint(const SensorConfig& sensor);
std::string cracPoint(const CracConfig& crac, std::string_view point);

// The watches of a site: per sensor its envelope (min/max), leak, or rate (temperature); per
// CRAC its supply and return temperature maxima, running and alarm bits; per zone with both a
// temperature and a humidity sensor (the first of each) its dew point.
ClimateWatchConfig climateWatchConfig(const HvacConfig& config);

// Dew point (degC) from temperature (degC) and relative humidity (%), Magnus formula with
// Sonntag's constants (b 17.62, c 243.12 degC; over water, -45..60 degC). Empty for rh <= 0.
std::optional<double> dewPointC(double temperatureC, double humidityPercent);

// What the watch reads of one point: the registry's last value and whether it is good now.
struct PointReading {
    std::optional<double> value;
    core::TimeUs timeUs = 0;
    bool good = false;
};
using ReadPoint = std::function<PointReading(std::string_view point)>;

// One event to record; `type` is one of hvac_event_types.hpp.
struct ClimateEvent {
    std::string type;
    std::string source;
    nlohmann::json payload;
};

// A condition that is on now (an alarm's cause), for GET /api/hvac.
struct ActiveCondition {
    std::string watch;
    std::string type;  // the event that raised it
    core::TimeUs sinceUs = 0;
    nlohmann::json payload;  // that event's payload
};

class ClimateWatch {
  public:
    explicit ClimateWatch(ClimateWatchConfig config);

    // Evaluates every watch as of `nowUs` (after a poll pass, or at nextDeadlineUs()).
    std::vector<ClimateEvent> evaluate(const ReadPoint& read, core::TimeUs nowUs);
    // A recorded power event (type "power.*"): climate events within the power window after it
    // carry {"after_power_event": {"seq", "type", "ago_s"}}.
    void powerEvent(std::uint64_t seq, std::string type, core::TimeUs timeUs);
    // When evaluate() may next raise or restore with no new reading; kNoDeadline when none.
    core::TimeUs nextDeadlineUs() const;
    static constexpr core::TimeUs kNoDeadline = std::numeric_limits<core::TimeUs>::max();

    std::vector<ActiveCondition> active() const;
    // The active condition of a watch with the raise event `type`, or null.
    const ActiveCondition* activeFor(std::string_view watch, std::string_view type) const;
    // Last computed dew point of a zone's watch ("<zone>.dew_point"), good or not.
    struct DewPoint {
        std::optional<double> value;
        bool good = false;
    };
    DewPoint dewPoint(std::string_view watch) const;
    const ClimateWatchConfig& config() const { return config_; }

  private:
    struct State {
        bool active = false;
        std::string bound;  // envelope: "low" / "high" while pending or active
        std::optional<core::TimeUs> pendingSinceUs;
        std::optional<core::TimeUs> restoreSinceUs;
        std::optional<bool> lastBit;  // leak, crac running, crac alarm: the last good state
        std::deque<std::pair<core::TimeUs, double>> history;  // rate: good samples in the window
        ActiveCondition condition;
        DewPoint dew;
    };

    void step(const Watch& watch, State& state, const ReadPoint& read, core::TimeUs nowUs,
              std::vector<ClimateEvent>& out);
    void stepEnvelope(const Watch& watch, State& state, double value, core::TimeUs nowUs,
                      nlohmann::json extra, std::string_view raiseType,
                      std::string_view restoreType, std::vector<ClimateEvent>& out);
    void stepRate(const Watch& watch, State& state, const PointReading& reading, core::TimeUs nowUs,
                  std::vector<ClimateEvent>& out);
    void stepBit(const Watch& watch, State& state, bool on, core::TimeUs nowUs,
                 std::vector<ClimateEvent>& out);
    void emit(const Watch& watch, State& state, std::string_view type, bool raises,
              nlohmann::json fields, core::TimeUs nowUs, std::vector<ClimateEvent>& out) const;

    ClimateWatchConfig config_;
    std::vector<State> states_;  // by watch
    struct PowerEvent {
        std::uint64_t seq = 0;
        std::string type;
        core::TimeUs timeUs = 0;
    };
    std::optional<PowerEvent> lastPower_;
};

}  // namespace sekimori::hvac
