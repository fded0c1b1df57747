#pragma once
// One door's state as the controller tracks it (lock, position, tamper, held-open, the passage
// a grant is waiting to see), as a pure step function like firmware/door_panel:
// step(spec, state, input, now) -> (state, outputs). Time-outs first, then one handler per
// input; nextDeadline() tells the runner when a Tick would change something. No I/O, no clock,
// no timer: the doors service carries the outputs out (records events, moves presence) and
// arms one timer at nextDeadline(). Tested as a table (tests/doors/door_state_test.cpp).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/event_type.hpp"
#include "doors/door_spec.hpp"
#include "doors/presence.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"

namespace sekimori::doors {

struct DoorState {
    core::TimeUs unlockedUntilUs = 0;  // the lock is released before this time
    std::optional<bool> open;          // empty until the panel reports the position
    core::TimeUs openedAtUs = 0;       // with open == true
    bool heldOpenRaised = false;       // one door.held_open per opening
    bool heldOpenWarned = false;       // one door.held_open_warning per opening
    bool forcedOpen = false;           // this opening was door.forced (the console's state)
    bool tamper = false;
    bool lockFault = false;                   // the panel reported lock_fault, not yet cleared
    std::vector<std::string> readersOffline;  // sides ("entry", "exit") of readers reported offline
    // An operator's command (or first-person-in) holding the lock released until holdUntilUs;
    // "" when none is in force. The console shows it beside the lock.
    std::string hold;  // "timed_unlock" | "first_person_in"
    core::TimeUs holdUntilUs = 0;
    std::string lastCommand;  // the latest door.command carried out ("unlock", "lock", ...)
    core::TimeUs lastCommandUs = 0;
    std::optional<Passage> pendingPassage;  // a grant waiting for the door to open
    std::string pendingSession;             // an offline grant's session (empty: any opening)
    core::TimeUs pendingUntilUs = 0;
    std::string lastEventType;  // for the console: the door's latest event
    core::TimeUs lastEventUs = 0;
};

// --- inputs ----------------------------------------------------------------------------------
// A grant is durable and the panel was told: the lock is released; the passage happens now
// (a door that never reports its position) or when the door next opens.
struct GrantDelivered {
    Passage passage;
};
// A panel's offline grant (access.offline_granted, uploaded from its journal): the person passes
// when the door next opens for that session (at once at a door that never reports its
// position). The lock is not shown released: the panel released it when it decided.
struct OfflineGranted {
    Passage passage;
    std::string session;
};
// Another access event of this door was recorded (challenge, denial): the console's last event.
struct AccessNoted {
    core::EventType type;
};
// The panel reported what the door did.
struct PanelReport {
    protocol::DoorEventKind kind = protocol::DoorEventKind::opened;
    std::string session{};  // optional
    // What the panel signed ({"panel_report","panel_sig"}), kept in the recorded event.
    nlohmann::json evidence = nlohmann::json::object();
    protocol::DoorSide side = protocol::DoorSide::entry;  // reader_offline / reader_online
};
struct DoorTick {};  // only time passes
// An operator's door.command is durable and its panel command went out (doors/door_commands).
struct ManualCommand {
    std::string command;       // "unlock" | "lock" | "timed_unlock"
    core::TimeUs untilUs = 0;  // timed_unlock: when the hold ends
};
using DoorInput =
    std::variant<GrantDelivered, AccessNoted, PanelReport, DoorTick, ManualCommand, OfflineGranted>;

// --- outputs ---------------------------------------------------------------------------------
struct RecordDoorEvent {
    core::Event event;  // built by doors/door_events
};
// A person passed: presence moves them (and returns the presence events to record).
struct MovePresence {
    Passage passage;
};
// Tell the door's panel (doors/door_commands sends it once the events before it are durable):
// first-person-in holds the lock released until the window ends, then locks it.
struct CommandPanel {
    protocol::CommandType type = protocol::CommandType::lock;
    int ms = 0;  // hold_unlocked
};
using DoorOutput = std::variant<RecordDoorEvent, MovePresence, CommandPanel>;

struct DoorStepResult {
    DoorState state;
    std::vector<DoorOutput> outputs;
};

DoorStepResult step(const DoorSpec& spec, DoorState state, const DoorInput& input,
                    core::TimeUs nowUs);

// The earliest time a DoorTick would change something; nullopt when nothing is pending.
std::optional<core::TimeUs> nextDeadline(const DoorSpec& spec, const DoorState& state);

bool isUnlocked(const DoorState& state, core::TimeUs nowUs);

// When the window of `schedule` that covers `nowUs` ends (minute resolution, at most 8 days on);
// nowUs itself when the schedule does not cover it.
core::TimeUs windowEndUs(const policy::Schedule& schedule, core::TimeUs nowUs);

}  // namespace sekimori::doors
