#pragma once
// The event types of the authenticated panel link (docs/events.md, "Doors and panels";
// docs/mqtt.md, "The authenticated link"). Code records and matches these constants.
#include "core/event_type.hpp"

namespace sekimori::doors {

// A request or event the controller refused without acting on it or replying: {panel, reason}
// with reason bad_mac | stale_epoch | replay | out_of_order | unknown_nonce | bad_signature |
// no_key; under a flood one event per panel and window says how many more were refused
// (reason "coalesced").
inline constexpr core::EventType kPanelLinkRefused{"panel.link_refused"};
// A panel's Ed25519 public key the trail did not hold yet: {panel, public_key}; a changed key
// also names the previous_key (and is raised as an error).
inline constexpr core::EventType kPanelKeyEnrolled{"panel.key_enrolled"};
// A retained request or event the controller found on a panel topic and cleared (an empty
// retained publish) without acting on it: {panel, topic}.
inline constexpr core::EventType kPanelRetainedCleared{"panel.retained_cleared"};

}  // namespace sekimori::doors
