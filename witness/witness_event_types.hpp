#pragma once
// Event types of the daemon's witness link (docs/events.md, "Witness (witness/)").
#include "core/event_type.hpp"

namespace sekimori::witness {

// A witness's cosignature, stored in witness_cosignatures in the same transaction.
inline constexpr core::EventType kAuditCosigned{"audit.cosigned"};
// A witness refused a checkpoint (or sent a cosignature that does not verify): someone must act.
inline constexpr core::EventType kAuditWitnessRefused{"audit.witness_refused"};
// A witness left a submit unanswered (or never said where it stands) for silent_after_s.
inline constexpr core::EventType kAuditWitnessSilent{"audit.witness_silent"};

}  // namespace sekimori::witness
