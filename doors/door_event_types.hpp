#pragma once
// Every event type the doors domain records (docs/events.md, sections Access, Doors and panels,
// Presence, Enrollment, Credential integrity). Code records and matches these constants, never a
// string literal.
#include "core/event_type.hpp"

namespace sekimori::doors {

// One step of an access session (payloads: doors/door_events.hpp, accessEvent).
inline constexpr core::EventType kAccessChallenge{"access.challenge"};
inline constexpr core::EventType kAccessGranted{"access.granted"};
inline constexpr core::EventType kAccessDenied{"access.denied"};
// A decision that could not be made durable: the panel was told store_unavailable. Published
// on the site's error topic at once; recorded when the store takes it.
inline constexpr core::EventType kAccessStoreUnavailable{"access.store_unavailable"};
// Too many wrong PINs or fingers for one card ([door_lockout]): raised on the error topic;
// the card is denied locked_out until locked_until_us.
inline constexpr core::EventType kAccessCardLockedOut{"access.card_locked_out"};

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

// A credential change made through the daemon's API (doors/enrollment.hpp). Each carries the
// actor (core::actorFields) and the digest of the row it left (core::rowDigestJson); never a
// PIN or a template.
inline constexpr core::EventType kPersonEnrolled{"person.enrolled"};
inline constexpr core::EventType kPersonCardSet{"person.card_set"};
inline constexpr core::EventType kPersonCardRevoked{"person.card_revoked"};
inline constexpr core::EventType kPersonPinSet{"person.pin_set"};
inline constexpr core::EventType kPersonFingerSet{"person.finger_set"};
inline constexpr core::EventType kPersonZoneGranted{"person.zone_granted"};

// A credential row does not match the digest the trail holds for it (swapped, inserted or
// edited behind the daemon's back): the row is left out of the snapshot, so nobody gets in
// with it. An error operators must hear: recorded, logged as error, on the error topic; once
// per row until it matches again.
inline constexpr core::EventType kCredentialRowMismatch{"credential.row_mismatch"};

}  // namespace sekimori::doors
