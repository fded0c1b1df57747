#include "doors/door_views.hpp"

namespace sekimori::doors {
namespace {

nlohmann::json planJson(const std::optional<PlanPoint>& plan) {
    if (!plan) {
        return nullptr;
    }
    return nlohmann::json{{"floor", plan->floor}, {"x", plan->x}, {"y", plan->y}};
}

}  // namespace

nlohmann::json doorJson(const DoorSpec& spec, const DoorState& state, const PanelView& panel,
                        core::TimeUs nowUs, const std::optional<PlanPoint>& plan) {
    const char* position = !state.open ? "unknown" : (*state.open ? "open" : "closed");
    const bool open = state.open.value_or(false);
    return nlohmann::json{
        {"id", spec.id},
        {"name", spec.name},
        {"kind", std::string(kindName(spec))},
        {"panel", spec.panel},
        {"from_zone", spec.fromZone},
        {"to_zone", spec.toZone},
        {"lock", isUnlocked(state, nowUs) ? "unlocked" : "locked"},
        {"position", position},
        {"forced", open && state.forcedOpen},
        {"held_open", open && state.heldOpenRaised},
        {"supervised", true},
        {"camera", spec.camera.empty() ? nlohmann::json() : nlohmann::json(spec.camera)},
        {"panel_online", panel.online ? nlohmann::json(*panel.online) : nlohmann::json()},
        {"panel_firmware", panel.firmware},
        {"tamper", state.tamper},
        {"last_event",
         state.lastEventType.empty()
             ? nlohmann::json()
             : nlohmann::json{{"type", state.lastEventType}, {"time_us", state.lastEventUs}}},
        {"plan", planJson(plan)},
        {"held_open_warning", open && state.heldOpenWarned},
        {"hold", state.hold.empty() || nowUs >= state.holdUntilUs
                     ? nlohmann::json()
                     : nlohmann::json{{"kind", state.hold}, {"until_us", state.holdUntilUs}}},
        {"lock_fault", state.lockFault},
        {"readers_offline", state.readersOffline},
        {"last_command",
         state.lastCommand.empty()
             ? nlohmann::json()
             : nlohmann::json{{"command", state.lastCommand}, {"time_us", state.lastCommandUs}}},
        {"commands_need_approval", spec.commandsNeedApproval},
        {"first_person_in", spec.firstPersonIn
                                ? nlohmann::json{{"schedule", spec.firstPersonIn->scheduleId},
                                                 {"groups", spec.firstPersonIn->groups}}
                                : nlohmann::json()}};
}

nlohmann::json circleGateJson(const DoorSpec& spec, const GateState& gate, const DoorState& state,
                              const PanelView& panel, const std::optional<PlanPoint>& plan) {
    const auto optional = [](const std::optional<int>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json();
    };
    const auto cameraJson = [&] {
        return spec.camera.empty() ? nlohmann::json() : nlohmann::json(spec.camera);
    };
    nlohmann::json refusal;
    if (gate.lastRefusal) {
        const GateRefusalSeen& r = *gate.lastRefusal;
        refusal = {{"refusal", r.refusal},
                   {"session", r.session},
                   {"side", r.side},
                   {"presence", optional(r.presence)},
                   {"weight_g", optional(r.weightG)},
                   {"leaf", r.leaf},
                   {"person", r.person},
                   {"person_name", r.personName},
                   {"time_us", r.timeUs},
                   {"camera", cameraJson()}};
    }
    // The newer of the gate's own events and the door kinds its panel reported (tamper).
    const bool gateNewer = gate.lastEventUs >= state.lastEventUs;
    const std::string& lastType = gateNewer ? gate.lastEventType : state.lastEventType;
    const core::TimeUs lastUs = gateNewer ? gate.lastEventUs : state.lastEventUs;
    const bool offline = panel.online.has_value() && !*panel.online;
    return nlohmann::json{
        {"id", spec.id},
        {"name", spec.name},
        {"kind", "circle_gate"},
        {"panel", spec.panel},
        {"from_zone", spec.fromZone},
        {"to_zone", spec.toZone},
        {"lock", "unknown"},
        {"position", "unknown"},
        {"forced", nullptr},
        {"held_open", nullptr},
        {"supervised", true},
        {"gate_state", offline ? std::string("offline") : std::string(toString(phaseOf(gate)))},
        {"panel_online", panel.online ? nlohmann::json(*panel.online) : nlohmann::json()},
        {"panel_firmware", panel.firmware},
        {"tamper", state.tamper},
        {"last_event", lastType.empty() ? nlohmann::json()
                                        : nlohmann::json{{"type", lastType}, {"time_us", lastUs}}},
        {"plan", planJson(plan)},
        {"held_open_warning", nullptr},
        {"hold", nullptr},
        {"lock_fault", nullptr},
        {"readers_offline", nullptr},
        {"last_command",
         state.lastCommand.empty()
             ? nlohmann::json()
             : nlohmann::json{{"command", state.lastCommand}, {"time_us", state.lastCommandUs}}},
        {"commands_need_approval", false},  // its one command, rearm, needs none
        {"first_person_in", nullptr},
        {"camera", cameraJson()},
        {"last_refusal", refusal},
        {"object_left", gate.objectLeft},
        {"stuck", gate.stuck},
        {"presence", optional(gate.presence)},
        {"weight_g", optional(gate.weightG)},
        {"cycles_completed", gate.cyclesCompleted},
        {"cycles_refused", gate.cyclesRefused},
        {"weight_tolerance_pct", spec.weightTolerancePct},
        {"max_weight_kg", spec.maxWeightG / 1000.0},
        {"outer_fail_safe", spec.outerFailSafe},
        {"inner_fail_safe", spec.innerFailSafe}};
}

}  // namespace sekimori::doors
