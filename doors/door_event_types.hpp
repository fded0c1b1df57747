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
// Issue 14's access rules (doors/admission.hpp). A duress PIN grants and raises this silent
// alarm; the panel shows an ordinary grant.
inline constexpr core::EventType kAccessDuress{"access.duress"};
// Two-person rule / escort: the first person (or the visitor) completed every factor and waits
// for a second authorised person (a host) to badge at the door within the window.
inline constexpr core::EventType kAccessCompanionPending{"access.companion_pending"};
// Nobody came within the window: the wait ended, the door stayed locked (a tailgate attempt at
// a two-person door shows here).
inline constexpr core::EventType kAccessCompanionExpired{"access.companion_expired"};
// Soft anti-passback: granted anyway, recorded.
inline constexpr core::EventType kAccessPassbackViolation{"access.passback_violation"};
// An operator forgave a person's anti-passback state (with a comment).
inline constexpr core::EventType kAccessPassbackForgiven{"access.passback_forgiven"};

// What a door did, as its panel or the controller's held-open timer saw it.
inline constexpr core::EventType kDoorOpened{"door.opened"};
inline constexpr core::EventType kDoorClosed{"door.closed"};
inline constexpr core::EventType kDoorForced{"door.forced"};
inline constexpr core::EventType kDoorHeldOpen{"door.held_open"};
inline constexpr core::EventType kDoorExitRequested{"door.exit_requested"};
inline constexpr core::EventType kDoorTamper{"door.tamper"};
// Held-open pre-alarm (the door's local sounder; the console shows it): heldOpenWarnMs before
// door.held_open.
inline constexpr core::EventType kDoorHeldOpenWarning{"door.held_open_warning"};
// The lock did not reach the commanded state ("state": "active" | "cleared").
inline constexpr core::EventType kDoorLockFault{"door.lock_fault"};
// A reader of the door stopped (or resumed) answering its panel ("state": "offline" | "online").
inline constexpr core::EventType kDoorReaderFault{"door.reader_fault"};
// An operator's manual command to a door (unlock, lock, timed unlock), carried out.
inline constexpr core::EventType kDoorCommand{"door.command"};
// First-person-in: the door's free-access schedule began with an authorised first entry
// (unlocked until the schedule's window ends), and its end (locked again).
inline constexpr core::EventType kDoorScheduleUnlocked{"door.schedule_unlocked"};
inline constexpr core::EventType kDoorScheduleLocked{"door.schedule_locked"};
// Revocations pushed to the panels' local deny lists, and each panel's acknowledgement.
inline constexpr core::EventType kPanelRevocationSent{"panel.revocation_sent"};
inline constexpr core::EventType kPanelRevocationAcked{"panel.revocation_acked"};

// A panel's retained status changed.
inline constexpr core::EventType kPanelOnline{"panel.online"};
inline constexpr core::EventType kPanelOffline{"panel.offline"};

// Who is in which zone (doors/presence.hpp); replayed at start to rebuild presence.
inline constexpr core::EventType kPresenceEntered{"presence.entered"};
inline constexpr core::EventType kPresenceLeft{"presence.left"};
// Zone rules (doors/zone_rules): lockdown of a zone or the whole site, and its end; never-alone
// (one person left alone in a two-person zone) and its clearing; a muster roll call begun.
inline constexpr core::EventType kZoneLockdownStarted{"zone.lockdown_started"};
inline constexpr core::EventType kZoneLockdownLifted{"zone.lockdown_lifted"};
inline constexpr core::EventType kZoneAlone{"zone.alone"};
inline constexpr core::EventType kZoneAloneCleared{"zone.alone_cleared"};
inline constexpr core::EventType kZoneMusterStarted{"zone.muster_started"};

// A credential change made through the daemon's API (doors/enrollment.hpp). Each carries the
// actor (core::actorFields) and the digest of the row it left (core::rowDigestJson); never a
// PIN or a template.
inline constexpr core::EventType kPersonEnrolled{"person.enrolled"};
inline constexpr core::EventType kPersonCardSet{"person.card_set"};
inline constexpr core::EventType kPersonCardRevoked{"person.card_revoked"};
inline constexpr core::EventType kPersonPinSet{"person.pin_set"};
inline constexpr core::EventType kPersonFingerSet{"person.finger_set"};
inline constexpr core::EventType kPersonZoneGranted{"person.zone_granted"};
// Issue 14's enrollment: a person's details, their disabling, removing a grant, access levels,
// groups, a photo and a keypad code (PIN-only doors).
inline constexpr core::EventType kPersonUpdated{"person.updated"};
inline constexpr core::EventType kPersonDisabled{"person.disabled"};
inline constexpr core::EventType kPersonEnabled{"person.enabled"};
inline constexpr core::EventType kPersonGrantRemoved{"person.grant_removed"};
inline constexpr core::EventType kPersonLevelAssigned{"person.level_assigned"};
inline constexpr core::EventType kPersonLevelRemoved{"person.level_removed"};
inline constexpr core::EventType kPersonGroupJoined{"person.group_joined"};
inline constexpr core::EventType kPersonGroupLeft{"person.group_left"};
inline constexpr core::EventType kPersonPhotoSet{"person.photo_set"};
inline constexpr core::EventType kPersonKeypadCodeSet{"person.keypad_code_set"};

// A credential row does not match the digest the trail holds for it (swapped, inserted or
// edited behind the daemon's back): the row is left out of the snapshot, so nobody gets in
// with it. An error operators must hear: recorded, logged as error, on the error topic; once
// per row until it matches again.
inline constexpr core::EventType kCredentialRowMismatch{"credential.row_mismatch"};

// Issue 15: offline panels (docs/offline.md). A decision a panel made alone from its cache,
// uploaded from its journal: the payload carries panel, panel_seq, occurred_us (the panel's
// clock), card, person, door, side, reason, degraded and the signed report.
inline constexpr core::EventType kAccessOfflineGranted{"access.offline_granted"};
inline constexpr core::EventType kAccessOfflineDenied{"access.offline_denied"};
// A panel's journal passed its near-full mark, or lost reports while full (an alarm either way).
inline constexpr core::EventType kPanelJournalNearFull{"panel.journal_near_full"};
inline constexpr core::EventType kPanelJournalOverflow{"panel.journal_overflow"};
// A journal entry arrived past a gap in the panel's sequence (entries missing): raised, never
// silently skipped; the controller waits for the missing ones.
inline constexpr core::EventType kPanelJournalGap{"panel.journal_gap"};
// A journaled report that made no other event (a repeated fault the door state ignores, a door
// the panel does not serve): kept with its seq and signed report, so the trail holds every entry
// the panel was acknowledged for and the controller resumes after it at a restart.
inline constexpr core::EventType kPanelReportKept{"panel.report_kept"};
// A panel acknowledged its offline cache at the current version (recorded when it catches up),
// or has stayed behind past the site's bound (an alarm until it catches up).
inline constexpr core::EventType kPanelCacheSynced{"panel.cache_synced"};
inline constexpr core::EventType kPanelCacheBehind{"panel.cache_behind"};

// Issue 15: circle gates (docs/circle-gates.md). Each carries gate, panel, side and session where
// known, presence and weight_g as the gate read them, camera (the gate's camera id, when
// configured) and the signed report.
inline constexpr core::EventType kGateCycleStarted{"gate.cycle_started"};
inline constexpr core::EventType kGateCycleCompleted{"gate.cycle_completed"};
inline constexpr core::EventType kGateCycleRefused{"gate.cycle_refused"};  // + refusal, leaf
inline constexpr core::EventType kGateObjectLeft{"gate.object_left"};
inline constexpr core::EventType kGateDoorStuck{"gate.door_stuck"};  // + leaf
inline constexpr core::EventType kGateFireReleased{"gate.fire_released"};
inline constexpr core::EventType kGateFireCleared{"gate.fire_cleared"};
inline constexpr core::EventType kGateRearmed{"gate.rearmed"};  // + actor when by command
inline constexpr core::EventType kGatePowerLost{"gate.power_lost"};
inline constexpr core::EventType kGatePowerRestored{"gate.power_restored"};

}  // namespace sekimori::doors
