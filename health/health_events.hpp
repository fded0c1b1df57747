#pragma once
// The audit event for each change the monitor reports (docs/events.md, section Health).
#include "core/event.hpp"
#include "health/health_monitor.hpp"

namespace sekimori::health {

// source "health", subject empty; payload: panel_* carry `panel` and `quiet_s` (how long it had
// been quiet), broker_stats_* carry `quiet_s`.
core::Event toEvent(const HealthChange& change);

}  // namespace sekimori::health
