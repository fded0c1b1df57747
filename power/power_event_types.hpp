#pragma once
// The event types the power plant model records (docs/events.md, section Power). Source
// "power:<id>" (the feed, switch, generator or UPS); the model's state after a restart is the
// fold of these over the trail (PlantModel::apply).
#include "core/event_type.hpp"

namespace sekimori::power {

// A feed's meter and switch agree it is gone, for the debounce (alarm, priority 2) / back.
inline constexpr core::EventType kPowerSourceLost{"power.source_lost"};
inline constexpr core::EventType kPowerSourceRestored{"power.source_restored"};
// The load moved to another source, confirmed (aux contact, generator on load): from, to, took_ms.
inline constexpr core::EventType kPowerTransfer{"power.transfer"};
// The generator's engine state changed; on_load carries start_ms from the first crank.
inline constexpr core::EventType kPowerGeneratorState{"power.generator_state"};
// A UPS went on battery (alarm, priority 2) / back on line.
inline constexpr core::EventType kPowerOnBattery{"power.on_battery"};
inline constexpr core::EventType kPowerOffBattery{"power.off_battery"};
// A UPS's charge fell below battery_low_percent or it says low battery (alarm, priority 1) / ok.
inline constexpr core::EventType kPowerBatteryLow{"power.battery_low"};
inline constexpr core::EventType kPowerBatteryOk{"power.battery_ok"};
// The switch's aux contacts say both, neither, or it hangs transferring ("state": "active",
// alarm priority 1) / a position is confirmed again ("state": "cleared").
inline constexpr core::EventType kPowerSwitchFault{"power.switch_fault"};
// Fuel endurance below the requirement (alarm, priority 2) / above it plus the hysteresis.
inline constexpr core::EventType kPowerFuelLow{"power.fuel_low"};
inline constexpr core::EventType kPowerFuelOk{"power.fuel_ok"};
// An operator recorded a delivery into the tanks: litres, actor.
inline constexpr core::EventType kPowerRefuelled{"power.refuelled"};
// The day tank rose without a delivery: fuel pumped from the bulk tank, taken off its book.
inline constexpr core::EventType kPowerFuelTransferred{"power.fuel_transferred"};
// A feed's meter and the switch's source_x_available disagree ("state": "active", alarm
// priority 2; the feed is shown unknown, never lost) / agree again ("state": "cleared").
inline constexpr core::EventType kPowerSourceDisagreement{"power.source_disagreement"};

}  // namespace sekimori::power
