#pragma once
// What the console shows of the doors: one JSON object per door (GET /api/doors, /api/doors/{id})
// built from its spec, its state and its panel's status. Pure.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "doors/door_spec.hpp"
#include "doors/door_state.hpp"

namespace sekimori::doors {

struct PanelView {
    std::optional<bool> online;  // empty until the panel's first status
    std::string firmware;
};

// {"id","name","panel","from_zone","to_zone","lock":"locked|unlocked",
//  "position":"open|closed|unknown","panel_online":bool|null,"panel_firmware":string,
//  "tamper":bool,"last_event":{"type","time_us"}|null}
nlohmann::json doorJson(const DoorSpec& spec, const DoorState& state, const PanelView& panel,
                        core::TimeUs nowUs);

}  // namespace sekimori::doors
