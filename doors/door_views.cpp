#include "doors/door_views.hpp"

namespace sekimori::doors {

nlohmann::json doorJson(const DoorSpec& spec, const DoorState& state, const PanelView& panel,
                        core::TimeUs nowUs) {
    const char* position = !state.open ? "unknown" : (*state.open ? "open" : "closed");
    return nlohmann::json{
        {"id", spec.id},
        {"name", spec.name},
        {"panel", spec.panel},
        {"from_zone", spec.fromZone},
        {"to_zone", spec.toZone},
        {"lock", isUnlocked(state, nowUs) ? "unlocked" : "locked"},
        {"position", position},
        {"panel_online", panel.online ? nlohmann::json(*panel.online) : nlohmann::json()},
        {"panel_firmware", panel.firmware},
        {"tamper", state.tamper},
        {"last_event",
         state.lastEventType.empty()
             ? nlohmann::json()
             : nlohmann::json{{"type", state.lastEventType}, {"time_us", state.lastEventUs}}}};
}

}  // namespace sekimori::doors
