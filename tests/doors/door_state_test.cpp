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

}  // namespace
}  // namespace sekimori::doors
