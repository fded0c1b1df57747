#pragma once
// The audited event that records one state change of a telemetry point (docs/events.md,
// section Telemetry). Samples never become events.
#include "core/event.hpp"
#include "core/telemetry_point.hpp"

namespace sekimori::core {

Event telemetryEvent(const TelemetryPoint& point, const TelemetryChange& change);

}  // namespace sekimori::core
