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
        {"kind", "door"},
        {"panel", spec.panel},
        {"from_zone", spec.fromZone},
        {"to_zone", spec.toZone},
        {"lock", isUnlocked(state, nowUs) ? "unlocked" : "locked"},
        {"position", position},
        {"forced", open && state.forcedOpen},
        {"held_open", open && state.heldOpenRaised},
        {"supervised", true},
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

nlohmann::json circleGateJson(const CircleGateConfig& gate) {
    return nlohmann::json{{"id", gate.id},
                          {"name", gate.name},
                          {"kind", "circle_gate"},
                          {"panel", gate.panel},
                          {"from_zone", gate.fromZone},
                          {"to_zone", gate.toZone},
                          {"lock", "unknown"},
                          {"position", "unknown"},
                          {"forced", nullptr},
                          {"held_open", nullptr},
                          {"supervised", false},
                          {"panel_online", nullptr},
                          {"panel_firmware", ""},
                          {"tamper", nullptr},
                          {"last_event", nullptr},
                          {"plan", planJson(gate.plan)},
                          {"held_open_warning", nullptr},
                          {"hold", nullptr},
                          {"lock_fault", nullptr},
                          {"readers_offline", nullptr},
                          {"last_command", nullptr},
                          {"commands_need_approval", nullptr},
                          {"first_person_in", nullptr}};
}

}  // namespace sekimori::doors
