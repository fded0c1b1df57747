#pragma once
// The event types the hvac domain records (docs/events.md, section HVAC). Every one is made by
// the climate watch (hvac/climate_watch.hpp) from the CRAC units' and room sensors' telemetry;
// the points' own quality changes are core's telemetry.* events.
#include "core/event_type.hpp"

namespace sekimori::hvac {

// A value held outside its envelope for the alarm delay (alarm, priority 2), and back inside by
// the deadband for the restore delay.
inline constexpr core::EventType kHvacEnvelopeExceeded{"hvac.envelope_exceeded"};
inline constexpr core::EventType kHvacEnvelopeRestored{"hvac.envelope_restored"};
// A zone's dew point outside ASHRAE's recommended range (alarm, priority 2), and back.
inline constexpr core::EventType kHvacDewPointExceeded{"hvac.dew_point_exceeded"};
inline constexpr core::EventType kHvacDewPointRestored{"hvac.dew_point_restored"};
// A temperature that changed more than the rate limit within the window (alarm, priority 2).
inline constexpr core::EventType kHvacRateExceeded{"hvac.rate_exceeded"};
inline constexpr core::EventType kHvacRateNormal{"hvac.rate_normal"};
// A leak sensor wet (alarm, priority 1, at once), and dry again.
inline constexpr core::EventType kHvacLeakDetected{"hvac.leak_detected"};
inline constexpr core::EventType kHvacLeakCleared{"hvac.leak_cleared"};
// A CRAC unit reports it is not running (alarm, priority 2), or running again.
inline constexpr core::EventType kHvacCracStopped{"hvac.crac_stopped"};
inline constexpr core::EventType kHvacCracRunning{"hvac.crac_running"};
// A CRAC unit's common alarm contact closed (alarm, priority 2), or opened again.
inline constexpr core::EventType kHvacCracAlarm{"hvac.crac_alarm"};
inline constexpr core::EventType kHvacCracAlarmCleared{"hvac.crac_alarm_cleared"};

}  // namespace sekimori::hvac
