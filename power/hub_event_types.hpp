#pragma once
// The event types of hub timers (docs/events.md, section Power; docs/power.md, "Hub timers"):
// the hubs between the My Number server and its terminals are powered only inside their
// schedule or an approved override. Source "hub:<id>"; every payload names the hub.
#include "core/event_type.hpp"

namespace sekimori::power {

// The hub's relay read back the state that was written: state (on | off), was (the state read
// before), cause (window_opened | window_closed | override_started | override_ended | reassert
// | correction), took_ms from the write. Clears the hub's power.hub_switch_failed alarm.
inline constexpr core::EventType kHubSwitched{"power.hub_switched"};
// A write was refused, timed out, or the relay did not read back the state asked within the
// limit: asked, error, message (alarm power.hub_switch_failed, priority 2). Retried.
inline constexpr core::EventType kHubSwitchFailed{"power.hub_switch_failed"};
// The relay reads on while the hub should be off: the network is not cut ("state": "active",
// alarm priority 1) / off again, or inside a window again ("state": "cleared").
inline constexpr core::EventType kHubOutsideWindow{"power.hub_outside_window"};
// The relay's state cannot be read: quality ("state": "active", the hub shows unknown, never
// off; alarm priority 2) / read again ("state": "cleared", with the state read).
inline constexpr core::EventType kHubUnknown{"power.hub_unknown"};
// The hub's power is cut at cut_at_us, minutes_left from now: the terminals' users are warned
// (the console's live events and the retained MQTT state, docs/mqtt.md).
inline constexpr core::EventType kHubCutWarning{"power.hub_cut_warning"};
// A second person approved out-of-hours power: approval, hub, from_us, until_us, reason,
// requested_by, approved_by. The timer's state after a restart folds these (HubTimers::apply).
inline constexpr core::EventType kHubOverrideApproved{"power.hub_override_approved"};
// The override's window began / ended (reason: expired | superseded), by the timer's own clock.
inline constexpr core::EventType kHubOverrideStarted{"power.hub_override_started"};
inline constexpr core::EventType kHubOverrideEnded{"power.hub_override_ended"};

}  // namespace sekimori::power
