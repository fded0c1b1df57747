#pragma once
// A UPS's passes through upsd as telemetry (core/telemetry_registry.hpp): ten points
// "<id>.<point>" (docs/nut.md), declared with the UPS's poll period. A good pass samples every
// point at the pass's time — a variable the UPS does not report gives its point the error
// "not reported by upsd: <variable>" — and a failed pass gives every point the same error
// ("protocol: LIST VAR ups1: upsd answered ERR DATA-STALE (...)"), so a dead upsd turns every
// point stale or failed at once and a last-known value is never reported as read. io thread
// only, like the registry.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/telemetry_point.hpp"
#include "core/telemetry_registry.hpp"
#include "io/nut/nut_poller.hpp"

namespace sekimori::io::nut {

// One point and what it is read from: a number variable, or a flag word of ups.status (0/1).
struct NutPointDef {
    std::string_view point;     // "battery_charge"
    std::string_view unit;      // "%", "s", "V", "" for a flag
    std::string_view variable;  // "battery.charge", "ups.status"
    std::string_view flag;      // "OL", "OB", "LB", "RB"; empty for a number
};
// The ten points, in declaration order.
const std::vector<NutPointDef>& nutPoints();

class NutTelemetry {
  public:
    // Declares the UPS's points with `source` as the events' producer ("ups:ups-1");
    // `envelopes` by point ("battery_charge"; those without one have none).
    static core::Result<NutTelemetry> declare(
        core::TelemetryRegistry& registry, const NutUpsSpec& ups, std::string source,
        const std::map<std::string, core::TelemetryEnvelope>& envelopes = {});

    // One pass of this UPS, applied whole.
    core::Result<void> apply(const NutPassResult& pass);

    // ups.status and input.transfer.reason as last reported by a good pass ("" before one, or
    // when the UPS does not report it). Kept through failed passes: check the points' quality
    // (or statusTimeUs()) before showing them as live.
    const std::string& status() const { return status_; }
    const std::string& transferReason() const { return transferReason_; }
    core::TimeUs statusTimeUs() const { return statusTimeUs_; }

    static std::string pointName(const NutUpsSpec& ups, std::string_view point);

  private:
    NutTelemetry(core::TelemetryRegistry& registry, std::string id);

    core::TelemetryRegistry* registry_;
    std::string id_;
    std::vector<std::string> names_;  // telemetry ids, in nutPoints() order
    std::string status_;
    std::string transferReason_;
    core::TimeUs statusTimeUs_ = 0;
};

}  // namespace sekimori::io::nut
