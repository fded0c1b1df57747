#pragma once
// Hub timers (docs/power.md, "Hub timers"): the hubs between the My Number server and its
// terminals are powered only inside their schedule (the site's shared calendar, with its
// holidays) or an approved override, so the network is physically cut outside them. Pure: the
// service (power/power_service.cpp) feeds it each relay's read-back and the clock, sends the
// writes it asks for, and records the events it returns.
//
// On every step the desired state is computed afresh; a write is sent when the read-back
// differs, on the first reading after a start or a lost link (re-assert), and again after a
// failure every `retryAfter`. A switch counts only once a reading taken after the write shows
// the state asked. A relay that cannot be read is "unknown", never "off".
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "policy/schedule.hpp"
#include "power/power_config.hpp"

namespace sekimori::power {

struct HubTimerSpec {
    HubTimerConfig config;
    policy::Schedule schedule;
    std::string point;  // the relay's point: "coil_2" (relay board) or "outlet_3" (PDU)
    std::chrono::minutes warnBefore{10};
    std::chrono::minutes overrideMax{12 * 60};
};

// An approved out-of-hours window of one hub: powered in [fromUs, untilUs).
struct HubOverride {
    std::string approval;
    std::string hub;
    core::TimeUs fromUs = 0;
    core::TimeUs untilUs = 0;
    std::string reason;
    std::string requestedBy;
    std::string approvedBy;
    bool started = false;
};

// The relay's point as last read: `on` empty when it cannot be read (quality not good).
struct HubReading {
    std::optional<bool> on;
    core::TimeUs timeUs = 0;  // when the value was read
    std::string quality = "stale";
};

// A write the service sends through the device's poller, then reports with writeDone().
struct HubWrite {
    std::uint64_t id = 0;  // handed back to writeDone()
    std::string hub;
    std::string device;
    std::string point;
    bool on = false;
};

struct HubStep {
    std::vector<core::Event> events;
    std::vector<HubWrite> writes;
};

struct HubTimerOptions {
    std::chrono::milliseconds confirmWithin{10'000};  // from the write to the read-back
    std::chrono::milliseconds retryAfter{30'000};     // a failed switch is tried again after
};

enum class HubState { on, off, unknown };
std::string_view toString(HubState state);

class HubTimers {
  public:
    HubTimers(std::vector<HubTimerSpec> specs, HubTimerOptions options);

    // One step at `now`, with each hub's reading by hub id (a hub absent from the map is
    // unknown).
    HubStep evaluate(const std::map<std::string, HubReading>& readings, core::TimeUs now);
    // The device echoed write `id` at `echoUs` (ok), or did not take it. A write the timer
    // already gave up on (its limit passed) is ignored.
    HubStep writeDone(std::uint64_t id, bool ok, const std::string& error,
                      const std::string& message, core::TimeUs echoUs);
    // An approved override (from power.hub_override_approved); a later one for the same hub
    // replaces an earlier one (recorded ended, superseded). Takes effect on the next evaluate().
    HubStep addOverride(HubOverride override, core::TimeUs now);
    // The state after a restart: folds the recorded power.hub_override_* events (trail order).
    void apply(const core::Event& recorded);

    const std::vector<HubTimerSpec>& specs() const { return specs_; }
    const HubTimerSpec* find(const std::string& hub) const;
    // What GET /api/power/hubs and the retained MQTT state show of each hub.
    nlohmann::json view(core::TimeUs now) const;
    nlohmann::json hubView(const std::string& hub, core::TimeUs now) const;
    // Hubs whose shown state changed since the last call (the service republishes them).
    std::vector<std::string> takeChanged();

  private:
    struct Pending {
        std::uint64_t id = 0;
        bool on = false;
        HubState was = HubState::unknown;
        std::string cause;
        core::TimeUs askedUs = 0;
        core::TimeUs echoedUs = 0;  // 0 while the write is in flight
    };
    struct Hub {
        std::size_t spec = 0;  // index into specs_ (a copy of the timers stays valid)
        bool evaluated = false;
        core::TimeUs firstUs = 0;
        bool desired = false;
        bool inWindow = false;
        core::TimeUs windowCheckedUs = 0;
        core::TimeUs windowChangeUs = 0;  // when inWindow next flips (cached)
        bool windowChangeKnown = false;   // false: no change within the 8 days looked at
        std::string readQuality = "stale";
        core::TimeUs readUs = 0;
        HubState actual = HubState::unknown;
        bool unknownReported = false;
        bool reassert = true;    // the first reading after a start or a lost link
        std::string cause;       // of the desired state now
        std::string freshCause;  // a change of the desired state not yet written
        std::optional<Pending> pending;
        core::TimeUs failedUs = 0;  // last failure, for the retry pace
        bool failing = false;
        bool outsideReported = false;
        core::TimeUs warnedCutUs = 0;  // the cut already warned of
        std::optional<HubOverride> override;
    };

    void step(Hub& hub, const HubReading& reading, core::TimeUs now, HubStep& out);
    void fail(Hub& hub, const std::string& error, const std::string& message, core::TimeUs now,
              HubStep& out);
    // When the hub will be cut: `now` when it should be off already, kNoCut when no cut comes
    // within the schedule's look-ahead (an always-open hub).
    static constexpr core::TimeUs kNoCut = -1;
    core::TimeUs cutAtUs(const Hub& hub, core::TimeUs now) const;
    core::Event event(const Hub& hub, core::TimeUs now, std::string_view type,
                      nlohmann::json payload) const;
    void changed(const Hub& hub);
    const HubTimerSpec& spec(const Hub& hub) const { return specs_[hub.spec]; }

    std::vector<HubTimerSpec> specs_;
    HubTimerOptions options_;
    std::map<std::string, Hub> hubs_;
    std::vector<std::string> changed_;
    std::uint64_t nextWriteId_ = 1;
};

}  // namespace sekimori::power
