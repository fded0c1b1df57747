#pragma once
// One circle gate as the controller supervises it (docs/circle-gates.md, "Supervision and
// alarms"), a pure step(spec, state, input, now) like doors/door_state: the gate firmware
// (firmware/circle_gate) holds the interlock and runs the cycle itself; the controller records
// what it reports as gate.* events (with the booth's readings and the gate's camera reference,
// so the desk sees the alarm with the footage to look at), moves the person through presence
// when the cycle the grant opened completes, and keeps the gate's state for the console. No
// I/O, no clock, no timer: the doors service carries the outputs out and arms one timer at
// nextDeadline(). Tested as a table (tests/doors/gate_supervision_test.cpp).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "doors/door_spec.hpp"
#include "doors/door_state.hpp"
#include "doors/presence.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

// The gate's state for the console (GET /api/doors "gate_state"), most urgent first; "offline"
// is the view's (the panel's status), never the state's.
enum class GatePhase { powerLost, fireReleased, awaitingRearm, refused, cycling, idle };
std::string_view toString(GatePhase phase);  // "power_lost", "fire_released", ... "idle"

// The newest refused cycle, as the console shows it beside the camera reference.
struct GateRefusalSeen {
    std::string refusal;  // protocol::toString(GateRefusal)
    std::string session;
    std::string side;
    std::optional<int> presence;
    std::optional<int> weightG;
    std::string leaf;
    std::string person;  // the grant's person when the session was a granted one
    std::string personName;
    core::TimeUs timeUs = 0;
};

struct GateState {
    // A grant was delivered and waits for its cycle: completed moves the person, refused drops it.
    struct PendingPassage {
        std::string session;
        Passage passage;
        core::TimeUs untilUs = 0;
    };
    std::vector<PendingPassage> pending;
    bool cycling = false;  // between cycle_started and its end (completed or refused)
    std::string cycleSession;
    core::TimeUs cycleStartedUs = 0;
    bool refused = false;  // the last cycle was refused; until the next one starts or a rearm
    std::optional<GateRefusalSeen> lastRefusal;
    bool fireReleased = false;   // gate_fire_released, until gate_fire_cleared
    bool awaitingRearm = false;  // the fire input cleared; a guard must re-arm it
    bool powerLost = false;
    bool objectLeft = false;         // until the next cycle starts or a rearm
    std::vector<std::string> stuck;  // leaves reported stuck ("outer", "inner"), until a rearm
                                     // or a completed cycle
    std::optional<int> presence;     // the newest readings a report carried
    std::optional<int> weightG;
    // The desk's rearm command (door.command "rearm") went out: the gate.rearmed that follows
    // within kRearmAttributionUs names who re-armed it.
    nlohmann::json rearmActor = nullptr;
    core::TimeUs rearmSentUs = 0;
    std::uint64_t cyclesCompleted = 0;  // since the daemon started
    std::uint64_t cyclesRefused = 0;
    std::string lastEventType;
    core::TimeUs lastEventUs = 0;
};

inline constexpr core::TimeUs kRearmAttributionUs = 60'000'000;

// --- inputs ----------------------------------------------------------------------------------
// A grant at the gate is durable and the panel was told: the passage happens when the cycle of
// `session` completes (the grant's pending passage).
struct GateGranted {
    std::string session;
    Passage passage;
};
// A gate report of the gate's panel (the gate kinds of protocol::DoorEventKind only). `evidence`
// is what the panel signed ({"panel_report", "panel_sig"}, and what the intake adds: panel_seq,
// occurred_us, late), kept in the recorded event.
struct GateReport {
    protocol::PanelEvent event;
    nlohmann::json evidence = nlohmann::json::object();
};
// The desk's rearm command is durable and went out to the panel.
struct GateRearmSent {
    nlohmann::json actor = nlohmann::json::object();  // core::actorFields of the command
};
struct GateTick {};
using GateInput = std::variant<GateGranted, GateReport, GateRearmSent, GateTick>;

// --- outputs ---------------------------------------------------------------------------------
struct RecordGateEvent {
    core::Event event;
};
using GateOutput = std::variant<RecordGateEvent, MovePresence>;

struct GateStepResult {
    GateState state;
    std::vector<GateOutput> outputs;
};

// Whether a panel event kind is a circle gate's report (cycle_* and gate_*).
bool isGateReport(protocol::DoorEventKind kind);

GateStepResult step(const DoorSpec& spec, GateState state, const GateInput& input,
                    core::TimeUs nowUs);

// The earliest time a GateTick would change something; nullopt when nothing is pending.
std::optional<core::TimeUs> nextDeadline(const DoorSpec& spec, const GateState& state);

GatePhase phaseOf(const GateState& state);

}  // namespace sekimori::doors
