#include "power/power_alarm_rules.hpp"

#include <string>
#include <utility>

#include "power/power_event_types.hpp"

namespace sekimori::power {
namespace {

core::AlarmRule raise(core::EventType type, int priority, std::string field,
                      std::string alarmType = {}) {
    core::AlarmRule rule;
    rule.eventType = std::string(type.name);
    rule.action = core::AlarmAction::raise;
    rule.alarmType = alarmType.empty() ? std::string(type.name) : std::move(alarmType);
    rule.priority = priority;
    rule.sourceKind = "power";
    rule.sourceField = std::move(field);
    return rule;
}

core::AlarmRule clear(core::EventType type, std::string clears, std::string field) {
    core::AlarmRule rule = raise(type, 3, std::move(field), std::move(clears));
    rule.action = core::AlarmAction::clear;
    return rule;
}

core::AlarmRule when(core::AlarmRule rule, std::string field, std::string value) {
    rule.whenField = std::move(field);
    rule.whenValue = std::move(value);
    return rule;
}

}  // namespace

// The payload fields are the ones power/plant_model.cpp records.
std::vector<core::AlarmRule> powerAlarmRules() {
    const std::string lost(kPowerSourceLost.name);
    const std::string onBattery(kPowerOnBattery.name);
    const std::string batteryLow(kPowerBatteryLow.name);
    const std::string switchFault(kPowerSwitchFault.name);
    const std::string fuelLow(kPowerFuelLow.name);
    const std::string disagreement(kPowerSourceDisagreement.name);
    const std::string generatorFault = "power.generator_fault";
    std::vector<core::AlarmRule> rules{
        // A utility feed gone (debounced); over when it is back.
        raise(kPowerSourceLost, 2, "feed"),
        clear(kPowerSourceRestored, lost, "feed"),
        // The load rides on the batteries; over when the UPS is back on line.
        raise(kPowerOnBattery, 2, "ups"),
        clear(kPowerOffBattery, onBattery, "ups"),
        raise(kPowerBatteryLow, 1, "ups"),
        clear(kPowerBatteryOk, batteryLow, "ups"),
        // The switch's contacts make no sense, or it hangs between sources.
        when(raise(kPowerSwitchFault, 1, "ats"), "state", "active"),
        when(clear(kPowerSwitchFault, switchFault, "ats"), "state", "cleared"),
        // Not enough fuel for the required endurance at the load measured.
        raise(kPowerFuelLow, 2, "generator"),
        clear(kPowerFuelOk, fuelLow, "generator"),
        // Meter and switch disagree about a feed: one of them is wrong, or lies.
        when(raise(kPowerSourceDisagreement, 2, "feed"), "state", "active"),
        when(clear(kPowerSourceDisagreement, disagreement, "feed"), "state", "cleared"),
        // The generator's controller reports a fault; over at any other state.
        when(raise(kPowerGeneratorState, 1, "generator", generatorFault), "state", "fault"),
    };
    for (const char* state : {"stopped", "cranking", "warming", "off_load", "on_load", "cooling"}) {
        rules.push_back(
            when(clear(kPowerGeneratorState, generatorFault, "generator"), "state", state));
    }
    return rules;
}

}  // namespace sekimori::power
