#pragma once
// The event types the alarms service records (docs/events.md, section Alarms). Each carries the
// alarm as it is after the step ("alarm"), so replaying them in seq order rebuilds every alarm
// (alarms/alarm_book.hpp).
#include "core/event_type.hpp"

namespace sekimori::alarms {

// A rule's event found no open alarm of its type on its source: a new alarm.
inline constexpr core::EventType kAlarmRaised{"alarm.raised"};
// The same type on the same source again while the alarm is open: counted, not duplicated.
inline constexpr core::EventType kAlarmRetriggered{"alarm.retriggered"};
// An operator took the alarm (becomes its owner).
inline constexpr core::EventType kAlarmAcknowledged{"alarm.acknowledged"};
inline constexpr core::EventType kAlarmCommented{"alarm.commented"};
// An operator closed it with a comment saying what was done.
inline constexpr core::EventType kAlarmResolved{"alarm.resolved"};
// The source said the condition is over (a clear rule): closed without an operator.
inline constexpr core::EventType kAlarmCleared{"alarm.cleared"};
// A security admin put it aside until shelved_until_us.
inline constexpr core::EventType kAlarmShelved{"alarm.shelved"};
// Back to active or acknowledged: unshelved by a security admin, or its shelving expired.
inline constexpr core::EventType kAlarmUnshelved{"alarm.unshelved"};
// Nobody acknowledged it within [alarms] escalate_after_s: priority one step higher, once.
inline constexpr core::EventType kAlarmEscalated{"alarm.escalated"};

}  // namespace sekimori::alarms
