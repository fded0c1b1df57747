#pragma once
// Every event type the doors domain records (docs/events.md, sections Access, Doors and panels,
// Presence). Code records and matches these constants, never a string literal.
#include "core/event_type.hpp"

namespace sekimori::doors {

// One step of an access session (payloads: doors/door_events.hpp, accessEvent).
inline constexpr core::EventType kAccessChallenge{"access.challenge"};
inline constexpr core::EventType kAccessGranted{"access.granted"};
inline constexpr core::EventType kAccessDenied{"access.denied"};
// A decision that could not be made durable: the panel was told store_unavailable. Published
// on the site's error topic at once; recorded when the store takes it.
inline constexpr core::EventType kAccessStoreUnavailable{"access.store_unavailable"};

// What a door did, as its panel or the controller's held-open timer saw it.
inline constexpr core::EventType kDoorOpened{"door.opened"};
inline constexpr core::EventType kDoorClosed{"door.closed"};
inline constexpr core::EventType kDoorForced{"door.forced"};
inline constexpr core::EventType kDoorHeldOpen{"door.held_open"};
inline constexpr core::EventType kDoorExitRequested{"door.exit_requested"};
inline constexpr core::EventType kDoorTamper{"door.tamper"};

// A panel's retained status changed.
inline constexpr core::EventType kPanelOnline{"panel.online"};
inline constexpr core::EventType kPanelOffline{"panel.offline"};

// Who is in which zone (doors/presence.hpp); replayed at start to rebuild presence.
inline constexpr core::EventType kPresenceEntered{"presence.entered"};
inline constexpr core::EventType kPresenceLeft{"presence.left"};

}  // namespace sekimori::doors
