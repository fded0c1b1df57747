#pragma once
// The event types the custody domain records (docs/events.md, section Custody). The domain's
// whole state (who holds which key, what is checked in, which portal is held) is the fold of
// these and presence over the trail (custody/custody_state.hpp).
#include "core/event_type.hpp"

namespace sekimori::custody {

// A grant at a cabinet's door: the slots released to the person (and each key refused, why).
inline constexpr core::EventType kCustodyReleaseSent{"custody.release_sent"};
// A released key left its slot: key, slot, person, due_us. Device reports carry device + seq.
inline constexpr core::EventType kCustodyKeyTaken{"custody.key_taken"};
// A key left a slot that was not released to anyone (alarm, priority 1).
inline constexpr core::EventType kCustodyKeyForced{"custody.key_forced"};
// A key came back (clears the key's alarms): the holder, how long, late or not, the tag read.
inline constexpr core::EventType kCustodyKeyReturned{"custody.key_returned"};
// Out past its due time (alarm, priority 2).
inline constexpr core::EventType kCustodyKeyOverdue{"custody.key_overdue"};
// Its holder left the site with it (alarm, priority 2).
inline constexpr core::EventType kCustodyKeyHolderLeft{"custody.key_holder_left"};
// A key request was approved (four-eyes): key, person, from_us, until_us, approval.
inline constexpr core::EventType kCustodyKeyRequestApproved{"custody.key_request_approved"};
// An item approved for a person's visit: item, kind, description, valid_from_us, valid_until_us.
inline constexpr core::EventType kCustodyItemRegistered{"custody.item_registered"};
// The guard checked the item in at the carry-in zone's entrance, or out again.
inline constexpr core::EventType kCustodyItemCheckedIn{"custody.item_checked_in"};
inline constexpr core::EventType kCustodyItemCheckedOut{"custody.item_checked_out"};
// The owner left the carry-in zone with the item still checked in (alarm, priority 2).
inline constexpr core::EventType kCustodyItemLeftInside{"custody.item_left_inside"};
// A metal-detector hit: the portal is held (alarm, priority 1) until custody.detection_cleared.
inline constexpr core::EventType kCustodyDetection{"custody.detection"};
inline constexpr core::EventType kCustodyDetectionCleared{"custody.detection_cleared"};
// A device's tamper input, or a cabinet door left open (alarm, priority 1).
inline constexpr core::EventType kCustodyDeviceTamper{"custody.device_tamper"};
// A device came online or went offline (its retained status and will).
inline constexpr core::EventType kCustodyDeviceOnline{"custody.device_online"};
inline constexpr core::EventType kCustodyDeviceOffline{"custody.device_offline"};

}  // namespace sekimori::custody
