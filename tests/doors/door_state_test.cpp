// The door-state step as a table: each row is a state, an input at a time, and the state and
// outputs expected after it.
#include "doors/door_state.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

using Kind = protocol::DoorEventKind;
constexpr core::TimeUs kT0 = 1'700'000'000'000'000;
constexpr core::TimeUs kMs = 1000;

DoorSpec spec() {
    DoorSpec d;
    d.id = "srv-door";
    d.panel = "p-srv";
    d.fromZone = "corridor";
    d.toZone = "server-room";
    d.unlockMs = 5000;
    d.heldOpenMs = 30000;
    return d;
}

Passage alice() {
    return Passage{"alice", "Alice Sato", "srv-door", "corridor", "server-room", 0, {}};
}

// What a row expects of the outputs, in order: an event type, or "move:<person>".
std::vector<std::string> describe(const std::vector<DoorOutput>& outputs) {
    std::vector<std::string> out;
    for (const auto& o : outputs) {
        if (const auto* e = std::get_if<RecordDoorEvent>(&o)) {
            out.push_back(e->event.type);
        } else if (const auto* c = std::get_if<CommandPanel>(&o)) {
            out.push_back("command:" + std::string(protocol::toString(c->type)) +
                          (c->ms > 0 ? " " + std::to_string(c->ms) : ""));
        } else {
            out.push_back("move:" + std::get<MovePresence>(o).passage.person);
        }
    }
    return out;
}

struct Row {
    const char* name;
    DoorState before;
    DoorInput input;
    core::TimeUs at;
    std::vector<std::string> outputs;
    std::function<void(const DoorState&)> check;
};

DoorState closedDoor() {
    DoorState s;
    s.open = false;
    return s;
}

DoorState openSince(core::TimeUs t) {
    DoorState s;
    s.open = true;
    s.openedAtUs = t;
    return s;
}

DoorState awaitingPassage() {
    DoorState s = closedDoor();
    s.pendingPassage = alice();
    s.pendingUntilUs = kT0 + 5000 * kMs;
    s.unlockedUntilUs = kT0 + 5000 * kMs;
    return s;
}

TEST(DoorState, Table) {
    const Row rows[] = {
        {"a grant at a door that never reports its position moves the person at once",
         DoorState{},
         GrantDelivered{alice()},
         kT0,
         {"move:alice"},
         [](const DoorState& s) {
             EXPECT_TRUE(isUnlocked(s, kT0 + 4999 * kMs));
             EXPECT_FALSE(isUnlocked(s, kT0 + 5000 * kMs));
             EXPECT_EQ(s.lastEventType, "access.granted");
             EXPECT_FALSE(s.pendingPassage);
         }},
        {"a grant at a reporting door waits for the opening",
         closedDoor(),
         GrantDelivered{alice()},
         kT0,
         {},
         [](const DoorState& s) {
             ASSERT_TRUE(s.pendingPassage);
             EXPECT_EQ(s.pendingUntilUs, kT0 + 5000 * kMs);
         }},
        {"the opening within the unlock time is the passage",
         awaitingPassage(),
         PanelReport{Kind::opened, "s1"},
         kT0 + 2000 * kMs,
         {"door.opened", "move:alice"},
         [](const DoorState& s) {
             EXPECT_TRUE(s.open.value_or(false));
             EXPECT_FALSE(s.pendingPassage);
             EXPECT_EQ(s.lastEventType, "door.opened");
         }},
        {"an opening after the unlock time passes nobody",
         awaitingPassage(),
         PanelReport{Kind::opened, ""},
         kT0 + 6000 * kMs,
         {"door.opened"},
         [](const DoorState& s) { EXPECT_FALSE(s.pendingPassage); }},
        {"a forced door passes nobody and drops the pending passage",
         awaitingPassage(),
         PanelReport{Kind::forced, ""},
         kT0 + 1000 * kMs,
         {"door.forced"},
         [](const DoorState& s) { EXPECT_FALSE(s.pendingPassage); }},
        {"a pending passage expires with the unlock time",
         awaitingPassage(),
         DoorTick{},
         kT0 + 5001 * kMs,
         {},
         [](const DoorState& s) { EXPECT_FALSE(s.pendingPassage); }},
        {"closing records door.closed",
         openSince(kT0),
         PanelReport{Kind::closed, ""},
         kT0 + 1000 * kMs,
         {"door.closed"},
         [](const DoorState& s) { EXPECT_FALSE(s.open.value_or(true)); }},
        {"open past held-open: the controller raises it",
         openSince(kT0),
         DoorTick{},
         kT0 + 30000 * kMs,
         {"door.held_open"},
         [](const DoorState& s) { EXPECT_TRUE(s.heldOpenRaised); }},
        {"open not yet past held-open: nothing",
         openSince(kT0),
         DoorTick{},
         kT0 + 29999 * kMs,
         {},
         [](const DoorState& s) { EXPECT_FALSE(s.heldOpenRaised); }},
        {"the panel's held_open after the controller's is dropped",
         [] {
             DoorState s = openSince(kT0);
             s.heldOpenRaised = true;
             return s;
         }(),
         PanelReport{Kind::heldOpen, ""},
         kT0 + 31000 * kMs,
         {},
         nullptr},
        {"the panel's held_open first is recorded once",
         openSince(kT0),
         PanelReport{Kind::heldOpen, ""},
         kT0 + 1000 * kMs,
         {"door.held_open"},
         [](const DoorState& s) { EXPECT_TRUE(s.heldOpenRaised); }},
        {"a new opening re-arms held-open",
         [] {
             DoorState s = openSince(kT0);
             s.heldOpenRaised = true;
             s.open = false;
             return s;
         }(),
         PanelReport{Kind::opened, ""},
         kT0 + 60000 * kMs,
         {"door.opened"},
         [](const DoorState& s) {
             EXPECT_FALSE(s.heldOpenRaised);
             EXPECT_EQ(s.openedAtUs, kT0 + 60000 * kMs);
         }},
        {"tamper and its clearing",
         closedDoor(),
         PanelReport{Kind::tamper, ""},
         kT0,
         {"door.tamper"},
         [](const DoorState& s) { EXPECT_TRUE(s.tamper); }},
        {"tamper cleared",
         [] {
             DoorState s = closedDoor();
             s.tamper = true;
             return s;
         }(),
         PanelReport{Kind::tamperCleared, ""},
         kT0,
         {"door.tamper"},
         [](const DoorState& s) { EXPECT_FALSE(s.tamper); }},
        {"request to exit is recorded",
         closedDoor(),
         PanelReport{Kind::exitRequested, ""},
         kT0,
         {"door.exit_requested"},
         nullptr},
        {"another access event only updates the last event",
         closedDoor(),
         AccessNoted{kAccessDenied},
         kT0,
         {},
         [](const DoorState& s) {
             EXPECT_EQ(s.lastEventType, "access.denied");
             EXPECT_EQ(s.lastEventUs, kT0);
         }},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        const auto result = step(spec(), row.before, row.input, row.at);
        EXPECT_EQ(describe(result.outputs), row.outputs);
        if (row.check) {
            row.check(result.state);
        }
    }
}

TEST(DoorState, EventPayloadsNameTheDoorAndSession) {
    auto opened = step(spec(), awaitingPassage(), PanelReport{Kind::opened, "s1"}, kT0);
    const auto& event = std::get<RecordDoorEvent>(opened.outputs.at(0)).event;
    EXPECT_EQ(event.source, "door:srv-door");
    EXPECT_EQ(event.subject, "alice");
    EXPECT_EQ(event.timeUs, kT0);
    const auto payload = nlohmann::json::parse(event.payload);
    EXPECT_EQ(payload["door"], "srv-door");
    EXPECT_EQ(payload["session"], "s1");
    EXPECT_EQ(std::get<MovePresence>(opened.outputs.at(1)).passage.timeUs, kT0);

    auto held = step(spec(), openSince(kT0), DoorTick{}, kT0 + 30000 * kMs);
    const auto heldPayload =
        nlohmann::json::parse(std::get<RecordDoorEvent>(held.outputs.at(0)).event.payload);
    EXPECT_EQ(heldPayload["detected_by"], "controller");
    EXPECT_EQ(heldPayload["held_open_ms"], 30000);
}

TEST(DoorState, NextDeadlineIsTheEarliestPendingChange) {
    EXPECT_FALSE(nextDeadline(spec(), DoorState{}));
    EXPECT_FALSE(nextDeadline(spec(), closedDoor()));
    EXPECT_EQ(nextDeadline(spec(), openSince(kT0)), kT0 + 30000 * kMs);
    EXPECT_EQ(nextDeadline(spec(), awaitingPassage()), kT0 + 5000 * kMs + 1);
    DoorState raised = openSince(kT0);
    raised.heldOpenRaised = true;
    EXPECT_FALSE(nextDeadline(spec(), raised));
}

// --- issue 14: held-open pre-alarm, lock and reader faults, manual commands, first-person-in --

// A step's outputs and the state after it.
struct Stepped {
    DoorState state;
    std::vector<std::string> outputs;
    std::vector<DoorOutput> raw;
};
Stepped run(const DoorSpec& d, DoorState state, const DoorInput& input, core::TimeUs at) {
    auto result = step(d, std::move(state), input, at);
    return {result.state, describe(result.outputs), result.outputs};
}

nlohmann::json payloadOf(const DoorOutput& output) {
    return nlohmann::json::parse(std::get<RecordDoorEvent>(output).event.payload);
}

TEST(DoorStateIssue14, HeldOpenPreAlarmComesWarnMsBeforeTheAlarmOncePerOpening) {
    DoorSpec d = spec();
    d.heldOpenWarnMs = 10000;
    DoorState open = openSince(kT0);
    EXPECT_EQ(nextDeadline(d, open), kT0 + 20000 * kMs);
    EXPECT_TRUE(run(d, open, DoorTick{}, kT0 + 19999 * kMs).outputs.empty());
    auto warned = run(d, open, DoorTick{}, kT0 + 20000 * kMs);
    ASSERT_EQ(warned.outputs, std::vector<std::string>{"door.held_open_warning"});
    EXPECT_EQ(payloadOf(warned.raw[0])["warn_ms"], 10000);
    EXPECT_EQ(payloadOf(warned.raw[0])["held_open_ms"], 30000);
    EXPECT_EQ(nextDeadline(d, warned.state), kT0 + 30000 * kMs);
    EXPECT_TRUE(run(d, warned.state, DoorTick{}, kT0 + 25000 * kMs).outputs.empty());
    auto alarmed = run(d, warned.state, DoorTick{}, kT0 + 30000 * kMs);
    EXPECT_EQ(alarmed.outputs, std::vector<std::string>{"door.held_open"});
    // Closed and opened again: a new opening warns again.
    auto closed = run(d, alarmed.state, PanelReport{Kind::closed}, kT0 + 31000 * kMs);
    auto reopened = run(d, closed.state, PanelReport{Kind::opened}, kT0 + 40000 * kMs);
    EXPECT_EQ(run(d, reopened.state, DoorTick{}, kT0 + 60000 * kMs).outputs,
              std::vector<std::string>{"door.held_open_warning"});
    // A late tick that passes both deadlines raises both, warning first.
    EXPECT_EQ(run(d, open, DoorTick{}, kT0 + 31000 * kMs).outputs,
              (std::vector<std::string>{"door.held_open_warning", "door.held_open"}));
    // No warning configured: none.
    EXPECT_EQ(run(spec(), open, DoorTick{}, kT0 + 31000 * kMs).outputs,
              std::vector<std::string>{"door.held_open"});
}

TEST(DoorStateIssue14, LockAndReaderFaultsAreRecordedPerChange) {
    const DoorSpec d = spec();
    auto fault = run(d, closedDoor(), PanelReport{Kind::lockFault}, kT0);
    ASSERT_EQ(fault.outputs, std::vector<std::string>{"door.lock_fault"});
    EXPECT_EQ(payloadOf(fault.raw[0])["state"], "active");
    EXPECT_TRUE(fault.state.lockFault);
    EXPECT_TRUE(run(d, fault.state, PanelReport{Kind::lockFault}, kT0 + 1).outputs.empty());
    auto cleared = run(d, fault.state, PanelReport{Kind::lockFaultCleared}, kT0 + 2);
    EXPECT_EQ(payloadOf(cleared.raw[0])["state"], "cleared");
    EXPECT_FALSE(cleared.state.lockFault);

    PanelReport offline{Kind::readerOffline};
    offline.side = protocol::DoorSide::exit;
    auto down = run(d, closedDoor(), offline, kT0);
    ASSERT_EQ(down.outputs, std::vector<std::string>{"door.reader_fault"});
    EXPECT_EQ(payloadOf(down.raw[0])["side"], "exit");
    EXPECT_EQ(payloadOf(down.raw[0])["state"], "offline");
    EXPECT_EQ(down.state.readersOffline, std::vector<std::string>{"exit"});
    EXPECT_TRUE(run(d, down.state, offline, kT0 + 1).outputs.empty());
    PanelReport online{Kind::readerOnline};
    online.side = protocol::DoorSide::entry;  // the other reader was never offline
    EXPECT_TRUE(run(d, down.state, online, kT0 + 2).outputs.empty());
    online.side = protocol::DoorSide::exit;
    auto up = run(d, down.state, online, kT0 + 3);
    EXPECT_EQ(payloadOf(up.raw[0])["state"], "online");
    EXPECT_TRUE(up.state.readersOffline.empty());
}

TEST(DoorStateIssue14, ManualUnlockTimedUnlockAndLock) {
    const DoorSpec d = spec();
    auto unlocked = run(d, closedDoor(), ManualCommand{"unlock", 0}, kT0);
    EXPECT_TRUE(unlocked.outputs.empty());  // door.command was recorded by door_commands
    EXPECT_TRUE(isUnlocked(unlocked.state, kT0 + 4999 * kMs));
    EXPECT_FALSE(isUnlocked(unlocked.state, kT0 + 5000 * kMs));
    EXPECT_EQ(unlocked.state.lastCommand, "unlock");

    const core::TimeUs hour = 3600LL * 1000 * kMs;
    auto held = run(d, closedDoor(), ManualCommand{"timed_unlock", kT0 + hour}, kT0);
    EXPECT_TRUE(isUnlocked(held.state, kT0 + hour - 1));
    EXPECT_EQ(nextDeadline(d, held.state), kT0 + hour);
    // Held open on purpose: no held-open alarm while the hold lasts.
    auto opened = run(d, held.state, PanelReport{Kind::opened}, kT0 + kMs);
    EXPECT_TRUE(run(d, opened.state, DoorTick{}, kT0 + 40000 * kMs).outputs.empty());
    EXPECT_TRUE(
        run(d, opened.state, PanelReport{Kind::heldOpen}, kT0 + 40000 * kMs).outputs.empty());
    // The hold ends (the panel re-locks by itself): the open door is then held open.
    auto ended = run(d, opened.state, DoorTick{}, kT0 + hour);
    EXPECT_EQ(ended.outputs, std::vector<std::string>{"door.held_open"});
    EXPECT_TRUE(ended.state.hold.empty());
    EXPECT_FALSE(isUnlocked(ended.state, kT0 + hour));

    auto locked = run(d, held.state, ManualCommand{"lock", 0}, kT0 + 2 * kMs);
    EXPECT_FALSE(isUnlocked(locked.state, kT0 + 2 * kMs));
    EXPECT_TRUE(locked.state.hold.empty());
    EXPECT_EQ(locked.state.lastCommand, "lock");
}

// Office hours 09:00-18:00 JST on weekdays, closed on holidays.
policy::Schedule officeHours() {
    policy::Schedule s;
    s.id = "office";
    s.utcOffsetMinutes = 540;
    s.windows = {{policy::kWeekdays, 9 * 60, 18 * 60}};
    return s;
}

constexpr core::TimeUs kWed1000Jst = 1'795'568'400'000'000;  // a Wednesday, 10:00 JST
constexpr core::TimeUs kWed1800Jst = kWed1000Jst + 8LL * 3600 * 1'000'000;

TEST(DoorStateIssue14, FirstPersonInHoldsTheDoorUnlockedUntilTheWindowEndsThenLocksIt) {
    const policy::Schedule office = officeHours();
    DoorSpec d = spec();
    d.firstPersonIn = DoorSpec::FirstPersonIn{"office", &office, {"managers"}};
    Passage bob = alice();
    bob.person = "bob";
    bob.groups = {"staff"};
    Passage manager = alice();
    manager.groups = {"staff", "managers"};

    // Someone outside the groups is let in, and the door stays locked behind them.
    auto staff = run(d, closedDoor(), GrantDelivered{bob}, kWed1000Jst);
    EXPECT_TRUE(staff.state.hold.empty());
    // Outside the schedule nobody starts it, not even a manager.
    EXPECT_TRUE(run(d, closedDoor(), GrantDelivered{manager}, kWed1800Jst).state.hold.empty());
    // A manager inside the window: door.schedule_unlocked and a hold until 18:00.
    auto first = run(d, closedDoor(), GrantDelivered{manager}, kWed1000Jst);
    const int untilMs = 8 * 3600 * 1000;
    ASSERT_EQ(first.outputs,
              (std::vector<std::string>{"door.schedule_unlocked",
                                        "command:hold_unlocked " + std::to_string(untilMs)}));
    const auto payload = payloadOf(first.raw[0]);
    EXPECT_EQ(payload["person"], "alice");
    EXPECT_EQ(payload["person_name"], "Alice Sato");
    EXPECT_EQ(payload["schedule"], "office");
    EXPECT_EQ(payload["until_us"], kWed1800Jst);
    EXPECT_EQ(std::get<RecordDoorEvent>(first.raw[0]).event.subject, "alice");
    EXPECT_TRUE(isUnlocked(first.state, kWed1800Jst - 1));
    EXPECT_EQ(first.state.holdUntilUs, kWed1800Jst);
    // A second grant changes nothing.
    auto second = run(d, first.state, GrantDelivered{manager}, kWed1000Jst + 60'000'000);
    EXPECT_EQ(second.outputs.size(), 0u);
    // Exits do not start it.
    Passage leaving = manager;
    leaving.fromZone = "server-room";
    leaving.toZone = "corridor";
    EXPECT_TRUE(run(d, closedDoor(), GrantDelivered{leaving}, kWed1000Jst).state.hold.empty());
    // The window ends: door.schedule_locked and a lock command.
    auto end = run(d, first.state, DoorTick{}, kWed1800Jst);
    EXPECT_EQ(end.outputs, (std::vector<std::string>{"door.schedule_locked", "command:lock"}));
    EXPECT_EQ(payloadOf(end.raw[0])["schedule"], "office");
    EXPECT_TRUE(end.state.hold.empty());
    // No groups configured: any granted person opens the schedule.
    d.firstPersonIn->groups.clear();
    EXPECT_EQ(run(d, closedDoor(), GrantDelivered{bob}, kWed1000Jst).state.hold, "first_person_in");
}

TEST(DoorStateIssue14, WindowEndFindsTheEndOfTheCoveringWindow) {
    const policy::Schedule office = officeHours();
    EXPECT_EQ(windowEndUs(office, kWed1000Jst), kWed1800Jst);
    EXPECT_EQ(windowEndUs(office, kWed1000Jst + 123), kWed1800Jst);
    EXPECT_EQ(windowEndUs(office, kWed1800Jst), kWed1800Jst);  // not covered: now
    policy::Schedule always;
    always.id = "24x7";
    always.windows = {{policy::kEveryDay, 0, 1440}};
    EXPECT_EQ(windowEndUs(always, kWed1000Jst), kWed1000Jst + 8LL * 24 * 3600 * 1'000'000);
}

}  // namespace
}  // namespace sekimori::doors
