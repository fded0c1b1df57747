#pragma once
// The event types the vault link records (docs/events.md, section Vault). A change the vault
// asked for carries its signed request, so the trail alone proves the vault asked
// (vault/vault_rebuild re-checks each signature at start).
#include "core/event_type.hpp"

namespace sekimori::vault {

// Designations set or removed by one request: `set` [{person, areas}], `removed` [person].
inline constexpr core::EventType kVaultHandlersChanged{"vault.handlers_changed"};
// An approved work window: approval_id, person, area, from_us, to_us.
inline constexpr core::EventType kVaultWindowApproved{"vault.window_approved"};
// The vault withdrew a window before its end.
inline constexpr core::EventType kVaultWindowRevoked{"vault.window_revoked"};
// An authorize question and its answer (recorded, not waited for: the answer is a read).
inline constexpr core::EventType kVaultAuthorized{"vault.authorized"};
// A handler was still inside the area when their window ended (alarm).
inline constexpr core::EventType kVaultWindowEndedInside{"vault.window_ended_inside"};
// That person left the area, or got a new window (the alarm clears).
inline constexpr core::EventType kVaultOverstayCleared{"vault.overstay_cleared"};
// The vault read the pushes after `after` (GET /api/vault/presence): every request is recorded.
inline constexpr core::EventType kVaultPresenceRead{"vault.presence_read"};
// The vault acknowledged presence pushes up to `upto` (an id of the push stream).
inline constexpr core::EventType kVaultPresenceAcked{"vault.presence_acked"};
// Requests refused 401/403: reason, method, target, remote, and how many like it were not
// recorded since the last one (at most one record per reason every 10 s).
inline constexpr core::EventType kVaultRequestRefused{"vault.request_refused"};

}  // namespace sekimori::vault
