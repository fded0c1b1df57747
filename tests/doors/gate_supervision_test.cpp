// Circle-gate supervision as a table: each row is a state, an input at a time, and the outputs
// and state expected after it; then the payloads the alarm rules and the console read.
#include "doors/gate_supervision.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

using Kind = protocol::DoorEventKind;
using protocol::GateRefusal;
constexpr core::TimeUs kT0 = 1'700'000'000'000'000;
constexpr core::TimeUs kMs = 1000;

DoorSpec gate() {
    DoorSpec d;
    d.id = "gate-srv";
    d.panel = "p-gate-srv";
    d.fromZone = "corridor";
    d.toZone = "server-room";
    d.circleGate = true;
    d.camera = "cam-gate";
    d.cycleTimeoutMs = 60000;
    d.stepTimeoutMs = 15000;
    d.maxWeightG = 150000;
    return d;
}

Passage alice() {
    return Passage{"alice", "Alice Sato", "gate-srv", "corridor", "server-room", 0, {}};
}

GateReport report(Kind kind, std::string session = {}) {
    GateReport r;
    r.event.door = "gate-srv";
    r.event.kind = kind;
    r.event.session = std::move(session);
    r.event.presence = 1;
    r.event.weightG = 72000;
    r.evidence = {{"panel_report", "{...}"}, {"panel_sig", "ab"}};
    return r;
}

GateReport refused(GateRefusal refusal, std::string session = "s1", int presence = 2) {
    GateReport r = report(Kind::cycleRefused, std::move(session));
    r.event.side = protocol::DoorSide::entry;
    r.event.refusal = refusal;
    r.event.presence = presence;
    return r;
}

GateReport leafReport(Kind kind, std::string leaf) {
    GateReport r = report(kind);
    r.event.leaf = std::move(leaf);
    return r;
}

GateState granted(core::TimeUs at = kT0) {
    GateState s;
    s.pending.push_back({"s1", alice(), at + 75'000 * kMs});
    return s;
}

GateState cycling() {
    GateState s = granted();
    s.cycling = true;
    s.cycleSession = "s1";
    s.cycleStartedUs = kT0;
    return s;
}

std::vector<std::string> describe(const std::vector<GateOutput>& outputs) {
    std::vector<std::string> out;
    for (const auto& o : outputs) {
        if (const auto* e = std::get_if<RecordGateEvent>(&o)) {
            out.push_back(e->event.type);
        } else {
            const auto& p = std::get<MovePresence>(o).passage;
            out.push_back("move:" + p.person + "->" + p.toZone);
        }
    }
    return out;
}

struct Row {
    const char* name;
    GateState before;
    GateInput input;
    core::TimeUs at;
    std::vector<std::string> outputs;
    GatePhase phase;
    std::function<void(const GateState&)> check;
};

TEST(GateSupervision, TheTable) {
    const std::vector<Row> rows{
        {"a grant waits for its cycle",
         GateState{},
         GateGranted{"s1", alice()},
         kT0,
         {},
         GatePhase::idle,
         [](const GateState& s) {
             ASSERT_EQ(s.pending.size(), 1U);
             EXPECT_EQ(s.pending[0].session, "s1");
             EXPECT_EQ(s.pending[0].untilUs, kT0 + 75'000 * kMs);  // cycle + step time-out
         }},
        {"a second grant of the same session replaces the first",
         granted(),
         GateGranted{"s1", alice()},
         kT0 + 1000 * kMs,
         {},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_EQ(s.pending.size(), 1U); }},
        {"cycle started: cycling, the person named",
         granted(),
         report(Kind::cycleStarted, "s1"),
         kT0 + 1000 * kMs,
         {"gate.cycle_started"},
         GatePhase::cycling,
         [](const GateState& s) {
             EXPECT_TRUE(s.cycling);
             EXPECT_EQ(s.pending.size(), 1U);  // the passage waits for the completion
         }},
        {"cycle completed moves the grant's person",
         cycling(),
         report(Kind::cycleCompleted, "s1"),
         kT0 + 9000 * kMs,
         {"gate.cycle_completed", "move:alice->server-room"},
         GatePhase::idle,
         [](const GateState& s) {
             EXPECT_TRUE(s.pending.empty());
             EXPECT_FALSE(s.cycling);
             EXPECT_EQ(s.cyclesCompleted, 1U);
         }},
        {"a completion without a session takes the only grant",
         cycling(),
         report(Kind::cycleCompleted),
         kT0 + 9000 * kMs,
         {"gate.cycle_completed", "move:alice->server-room"},
         GatePhase::idle,
         nullptr},
        {"a completion of another session moves nobody",
         cycling(),
         report(Kind::cycleCompleted, "other"),
         kT0 + 9000 * kMs,
         {"gate.cycle_completed"},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_EQ(s.pending.size(), 1U); }},
        {"a grant past its time is dropped: a late completion moves nobody",
         granted(),
         report(Kind::cycleCompleted, "s1"),
         kT0 + 75'001 * kMs,
         {"gate.cycle_completed"},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_TRUE(s.pending.empty()); }},
        {"tailgate: refused, nobody moves, the refusal kept",
         cycling(),
         refused(GateRefusal::tailgate),
         kT0 + 5000 * kMs,
         {"gate.cycle_refused"},
         GatePhase::refused,
         [](const GateState& s) {
             EXPECT_TRUE(s.pending.empty());
             ASSERT_TRUE(s.lastRefusal);
             EXPECT_EQ(s.lastRefusal->refusal, "tailgate");
             EXPECT_EQ(s.lastRefusal->person, "alice");
             EXPECT_EQ(s.lastRefusal->presence, 2);
             EXPECT_EQ(s.cyclesRefused, 1U);
         }},
        {"two bodies",
         cycling(),
         refused(GateRefusal::twoBodies),
         kT0,
         {"gate.cycle_refused"},
         GatePhase::refused,
         nullptr},
        {"piggyback",
         cycling(),
         refused(GateRefusal::piggyback, "s1", 1),
         kT0,
         {"gate.cycle_refused"},
         GatePhase::refused,
         nullptr},
        {"return",
         cycling(),
         refused(GateRefusal::returned, "s1", 1),
         kT0,
         {"gate.cycle_refused"},
         GatePhase::refused,
         nullptr},
        {"linger",
         cycling(),
         refused(GateRefusal::linger, "s1", 1),
         kT0,
         {"gate.cycle_refused"},
         GatePhase::refused,
         nullptr},
        {"a refused cycle with a stuck leaf keeps the leaf stuck",
         cycling(),
         [] {
             GateReport r = refused(GateRefusal::doorStuck, "s1", 1);
             r.event.leaf = "inner";
             return r;
         }(),
         kT0,
         {"gate.cycle_refused"},
         GatePhase::refused,
         [](const GateState& s) { EXPECT_EQ(s.stuck, std::vector<std::string>{"inner"}); }},
        {"the next cycle ends the refused state",
         [] {
             GateState s = granted();
             s.refused = true;
             return s;
         }(),
         report(Kind::cycleStarted, "s1"),
         kT0,
         {"gate.cycle_started"},
         GatePhase::cycling,
         nullptr},
        {"object left",
         GateState{},
         report(Kind::gateObjectLeft),
         kT0,
         {"gate.object_left"},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_TRUE(s.objectLeft); }},
        {"door stuck",
         GateState{},
         leafReport(Kind::gateDoorStuck, "outer"),
         kT0,
         {"gate.door_stuck"},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_EQ(s.stuck, std::vector<std::string>{"outer"}); }},
        {"fire release drops the pending grant",
         cycling(),
         report(Kind::gateFireReleased),
         kT0,
         {"gate.fire_released"},
         GatePhase::fireReleased,
         [](const GateState& s) {
             EXPECT_TRUE(s.pending.empty());
             EXPECT_FALSE(s.cycling);
         }},
        {"fire cleared: awaiting a rearm",
         [] {
             GateState s;
             s.fireReleased = true;
             return s;
         }(),
         report(Kind::gateFireCleared),
         kT0,
         {"gate.fire_cleared"},
         GatePhase::awaitingRearm,
         nullptr},
        {"rearmed: idle again",
         [] {
             GateState s;
             s.awaitingRearm = true;
             s.refused = true;
             s.objectLeft = true;
             s.stuck = {"outer"};
             return s;
         }(),
         report(Kind::gateRearmed),
         kT0,
         {"gate.rearmed"},
         GatePhase::idle,
         [](const GateState& s) {
             EXPECT_FALSE(s.objectLeft);
             EXPECT_TRUE(s.stuck.empty());
         }},
        {"a rearm command is noted, nothing recorded",
         GateState{},
         GateRearmSent{{{"actor", "desk-1"}}},
         kT0,
         {},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_EQ(s.rearmSentUs, kT0); }},
        {"power lost wins over every other state",
         [] {
             GateState s;
             s.fireReleased = true;
             return s;
         }(),
         report(Kind::gatePowerLost),
         kT0,
         {"gate.power_lost"},
         GatePhase::powerLost,
         nullptr},
        {"power restored",
         [] {
             GateState s;
             s.powerLost = true;
             return s;
         }(),
         report(Kind::gatePowerRestored),
         kT0,
         {"gate.power_restored"},
         GatePhase::idle,
         nullptr},
        {"a door kind from a gate's panel is not the supervision's",
         GateState{},
         report(Kind::tamper),
         kT0,
         {},
         GatePhase::idle,
         nullptr},
        {"a cycle never ended stops counting as cycling",
         cycling(),
         GateTick{},
         kT0 + 120'001 * kMs,
         {},
         GatePhase::idle,
         [](const GateState& s) { EXPECT_TRUE(s.pending.empty()); }},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        auto result = step(gate(), row.before, row.input, row.at);
        EXPECT_EQ(describe(result.outputs), row.outputs);
        EXPECT_EQ(toString(phaseOf(result.state)), toString(row.phase));
        if (row.check) {
            row.check(result.state);
        }
    }
}

nlohmann::json payloadOf(const GateStepResult& result, std::size_t i = 0) {
    return nlohmann::json::parse(std::get<RecordGateEvent>(result.outputs.at(i)).event.payload);
}

TEST(GateSupervision, ARefusedCycleCarriesTheReadingsTheCameraAndTheSignedReport) {
    auto result = step(gate(), cycling(), refused(GateRefusal::tailgate), kT0);
    const auto& event = std::get<RecordGateEvent>(result.outputs.at(0)).event;
    EXPECT_EQ(event.source, "gate:gate-srv");
    EXPECT_EQ(event.subject, "alice");
    EXPECT_EQ(event.timeUs, kT0);
    const auto p = payloadOf(result);
    EXPECT_EQ(p["gate"], "gate-srv");
    EXPECT_EQ(p["door"], "gate-srv");
    EXPECT_EQ(p["panel"], "p-gate-srv");
    EXPECT_EQ(p["camera"], "cam-gate");
    EXPECT_EQ(p["refusal"], "tailgate");
    EXPECT_EQ(p["side"], "entry");
    EXPECT_EQ(p["session"], "s1");
    EXPECT_EQ(p["presence"], 2);
    EXPECT_EQ(p["weight_g"], 72000);
    EXPECT_EQ(p["person"], "alice");
    EXPECT_EQ(p["person_name"], "Alice Sato");
    EXPECT_EQ(p["panel_report"], "{...}");
    EXPECT_EQ(p["panel_sig"], "ab");
}

TEST(GateSupervision, AGateWithoutACameraNamesNone) {
    DoorSpec spec = gate();
    spec.camera.clear();
    auto result = step(spec, GateState{}, report(Kind::gateObjectLeft), kT0);
    EXPECT_FALSE(payloadOf(result).contains("camera"));
}

TEST(GateSupervision, TheCompletedPassageIsTheGrantsAtTheCompletionTime) {
    auto result = step(gate(), cycling(), report(Kind::cycleCompleted, "s1"), kT0 + 9000 * kMs);
    const auto& move = std::get<MovePresence>(result.outputs.at(1));
    EXPECT_EQ(move.passage.door, "gate-srv");
    EXPECT_EQ(move.passage.fromZone, "corridor");
    EXPECT_EQ(move.passage.timeUs, kT0 + 9000 * kMs);
}

TEST(GateSupervision, ARearmNamesTheOperatorWhoCommandedItWithinAMinute) {
    GateState s;
    s.awaitingRearm = true;
    auto sent = step(gate(), s, GateRearmSent{{{"actor", "desk-1"}, {"source", "operator"}}}, kT0);
    auto byCommand = step(gate(), sent.state, report(Kind::gateRearmed), kT0 + 2000 * kMs);
    auto p = payloadOf(byCommand);
    EXPECT_EQ(p["state"], "armed");
    EXPECT_EQ(p["by"], "command");
    EXPECT_EQ(p["actor"], "desk-1");
    // Later than a minute after the command: the key switch did it.
    auto late = step(gate(), sent.state, report(Kind::gateRearmed), kT0 + 61'000 * kMs);
    p = payloadOf(late);
    EXPECT_EQ(p["by"], "gate");
    EXPECT_FALSE(p.contains("actor"));
    // The command is spent by the first rearm.
    auto again = step(gate(), byCommand.state, report(Kind::gateRearmed), kT0 + 3000 * kMs);
    EXPECT_EQ(payloadOf(again)["by"], "gate");
}

TEST(GateSupervision, PowerLossSaysWhatEachLeafDid) {
    DoorSpec spec = gate();
    spec.outerFailSafe = true;
    spec.innerFailSafe = false;
    auto p = payloadOf(step(spec, GateState{}, report(Kind::gatePowerLost), kT0));
    EXPECT_EQ(p["outer"], "released");
    EXPECT_EQ(p["inner"], "locked");
}

TEST(GateSupervision, DeadlinesAreTheGrantsAndTheOpenCycle) {
    EXPECT_FALSE(nextDeadline(gate(), GateState{}));
    EXPECT_EQ(nextDeadline(gate(), granted()), kT0 + 75'000 * kMs + 1);
    GateState s;
    s.cycling = true;
    s.cycleStartedUs = kT0;
    EXPECT_EQ(nextDeadline(gate(), s), kT0 + 120'000 * kMs + 1);
}

TEST(GateSupervision, OnlyGateKindsAreGateReports) {
    EXPECT_TRUE(isGateReport(Kind::cycleRefused));
    EXPECT_TRUE(isGateReport(Kind::gatePowerRestored));
    EXPECT_FALSE(isGateReport(Kind::opened));
    EXPECT_FALSE(isGateReport(Kind::offlineGranted));
}

}  // namespace
}  // namespace sekimori::doors
