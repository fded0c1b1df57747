#pragma once
// The event types of BCP drills (docs/events.md, section Drills; docs/drills.md). Source
// "drill:<run>" (the run's id is its approval's); every payload names the run.
#include "core/event_type.hpp"

namespace sekimori::drills {

// A second person approved the drill (kind drills.run): approval, run, scenario, mode
// (simulation | observe), reason, requested_by, approved_by. Recorded inside the approval's
// transaction; the run starts once it is published.
inline constexpr core::EventType kDrillApproved{"drill.approved"};
// The run began: scenario, mode, ends_us, steps (their offsets and marks).
inline constexpr core::EventType kDrillStarted{"drill.started"};
// A step of the scenario at its offset: mark, at_s, and in simulation the simulator's answer
// (sent: true) — nothing else is sent, and never to a device.
inline constexpr core::EventType kDrillStep{"drill.step"};
// A moment an operator confirmed on the console (an observed test, the switch-over rehearsal):
// mark, by.
inline constexpr core::EventType kDrillMarked{"drill.marked"};
// The run was measured and its report signed: passed, criteria (id, verdict, measured, limit),
// report_sha256 (of the HTML's bytes), signing_key_sha256, timeline_events.
inline constexpr core::EventType kDrillFinished{"drill.finished"};
// The run stopped before its end: reason (operator | simulator_unreachable | restart |
// another_drill), by, feeds_restored (simulation: the simulator was told to restore both feeds).
inline constexpr core::EventType kDrillAborted{"drill.aborted"};

}  // namespace sekimori::drills
