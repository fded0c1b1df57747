#pragma once
// The event types of approved plant commands (docs/events.md, section Power): a write to a
// generator or an outlet happens only after its approval is durable, and the switch is
// believed only once the device reads back what was asked (docs/power.md, "Commands").
#include "core/event_type.hpp"

namespace sekimori::power {

// The second person approved: device, command, point, value, reason, requested_by, approved_by.
inline constexpr core::EventType kPowerCommandApproved{"power.command_approved"};
// The device echoed the write (not yet proof that the plant moved).
inline constexpr core::EventType kPowerCommandSent{"power.command_sent"};
// The write was not taken: refused by the device, time-out, not connected.
inline constexpr core::EventType kPowerCommandFailed{"power.command_failed"};
// The device read back the state asked for: took_ms from the approval.
inline constexpr core::EventType kPowerCommandConfirmed{"power.command_confirmed"};
// No read-back of the asked state within the command's limit (alarm, priority 2).
inline constexpr core::EventType kPowerCommandUnconfirmed{"power.command_unconfirmed"};

}  // namespace sekimori::power
