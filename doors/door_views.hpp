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
#include "doors/gate_supervision.hpp"

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

// A circle gate (issue 15, doors/gate_supervision), in the same shape with "kind":"circle_gate",
// "supervised":true and "gate_state": "offline" when its panel's status says so, else the
// supervision's phase (power_lost, fire_released, awaiting_rearm, cycling, refused, idle). Its
// own members: "camera" (id|null), "last_refusal" ({"refusal","session","side","presence",
// "weight_g","leaf","person","person_name","time_us","camera"}|null), "object_left", "stuck"
// (leaves), "presence" and "weight_g" (the newest readings, null before any), "cycles_completed",
// "cycles_refused" (since the daemon started), "weight_tolerance_pct", "max_weight_kg",
// "outer_fail_safe", "inner_fail_safe". Lock and position stay "unknown" (the interlock is the
// gate's; its leaves are not reported one by one); forced, held_open and the door-only issue 14
// members are null; tamper, panel and last_event as for a door.
nlohmann::json circleGateJson(const DoorSpec& spec, const GateState& gate, const DoorState& state,
                              const PanelView& panel,
                              const std::optional<PlanPoint>& plan = std::nullopt);

}  // namespace sekimori::doors
