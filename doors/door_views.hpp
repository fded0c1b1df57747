#pragma once
// What the console shows of the doors and circle gates: one JSON object per portal
// (GET /api/doors, /api/doors/{id}) built from its spec, its state, its panel's status and its
// place on the floor plan. Pure.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "doors/door_config.hpp"
#include "doors/door_spec.hpp"
#include "doors/door_state.hpp"

namespace sekimori::doors {

struct PanelView {
    std::optional<bool> online;  // empty until the panel's first status
    std::string firmware;
};

// {"id","name","kind":"door","panel","from_zone","to_zone","lock":"locked|unlocked",
//  "position":"open|closed|unknown","forced":bool (open since a door.forced, until it closes),
//  "held_open":bool (open past held_open_ms, until it closes),"supervised":true,
//  "panel_online":bool|null,"panel_firmware":string,"tamper":bool,
//  "last_event":{"type","time_us"}|null,"plan":{"floor","x","y"}|null,
//  issue 14: "held_open_warning":bool (the pre-alarm sounded this opening),
//  "hold":{"kind":"timed_unlock|first_person_in","until_us"}|null, "lock_fault":bool,
//  "readers_offline":["entry"|"exit"...], "last_command":{"command","time_us"}|null,
//  "commands_need_approval":bool, "first_person_in":{"schedule","groups"}|null}
nlohmann::json doorJson(const DoorSpec& spec, const DoorState& state, const PanelView& panel,
                        core::TimeUs nowUs, const std::optional<PlanPoint>& plan = std::nullopt);

// A circle gate, in the same shape with "kind":"circle_gate". The controller does not
// supervise gates yet: "supervised":false, and lock, position, forced, held_open, tamper,
// panel_online and last_event say unknown ("unknown" or null), never a state nobody saw; the
// issue 14 members likewise (null).
nlohmann::json circleGateJson(const CircleGateConfig& gate);

}  // namespace sekimori::doors
