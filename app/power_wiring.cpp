#include "app/power_wiring.hpp"

#include "app/site_schedules.hpp"
#include "power/hub_event_types.hpp"
#include "power/plant_command_event_types.hpp"
#include "power/power_alarm_rules.hpp"
#include "power/power_service.hpp"

namespace sekimori::app {

namespace {

core::AlarmRule rule(core::EventType type, int priority, std::string sourceKind,
                     std::string sourceField, core::AlarmAction action = core::AlarmAction::raise,
                     std::string when = {}) {
    core::AlarmRule r;
    r.eventType = std::string(type.name);
    r.alarmType = r.eventType;
    r.priority = priority;
    r.sourceKind = std::move(sourceKind);
    r.sourceField = std::move(sourceField);
    r.action = action;
    if (!when.empty()) {
        r.whenField = "state";
        r.whenValue = std::move(when);
    }
    return r;
}

// Hub timers: a relay that would not switch (cleared by its next confirmed switch), a hub
// powered while it should be cut (the network is not cut: priority 1), a relay that cannot be
// read (its state unknown, never assumed off).
std::vector<core::AlarmRule> hubAlarmRules() {
    using namespace power;
    using core::AlarmAction;
    core::AlarmRule switched = rule(kHubSwitched, 2, "hub", "hub", AlarmAction::clear);
    switched.alarmType = std::string(kHubSwitchFailed.name);
    return {rule(kHubSwitchFailed, 2, "hub", "hub"),
            switched,
            rule(kHubOutsideWindow, 1, "hub", "hub", AlarmAction::raise, "active"),
            rule(kHubOutsideWindow, 1, "hub", "hub", AlarmAction::clear, "cleared"),
            rule(kHubUnknown, 2, "hub", "hub", AlarmAction::raise, "active"),
            rule(kHubUnknown, 2, "hub", "hub", AlarmAction::clear, "cleared")};
}

}  // namespace

core::Result<std::unique_ptr<core::Service>> makePowerService(const DaemonParts& parts,
                                                              const power::PowerConfig& config) {
    using namespace power;
    // A command the device refused or never confirmed is one alarm of the device
    // ("power.command"), cleared by the next command to it that the device confirms.
    core::AlarmRule unconfirmed = rule(kPowerCommandUnconfirmed, 2, "device", "device");
    unconfirmed.alarmType = "power.command";
    core::AlarmRule failed = unconfirmed;
    failed.eventType = std::string(kPowerCommandFailed.name);
    core::AlarmRule confirmed = unconfirmed;
    confirmed.eventType = std::string(kPowerCommandConfirmed.name);
    confirmed.action = core::AlarmAction::clear;
    std::vector<core::AlarmRule> rules = powerAlarmRules();  // the plant model's
    rules.push_back(unconfirmed);
    rules.push_back(failed);
    rules.push_back(confirmed);
    for (auto& hub : hubAlarmRules()) {
        rules.push_back(std::move(hub));
    }
    if (auto r = parts.alarmRules.add(rules); !r) {
        return r.error();
    }
    auto siteSchedules = schedules(parts.site);
    if (!siteSchedules) {
        return siteSchedules.error();
    }
    auto service = PowerService::create(
        PowerServiceParts{parts.executor, parts.recorder, parts.bus, parts.clock, parts.approvals,
                          config, parts.modbusDevices,
                          (parts.paths.database.parent_path() / "telemetry-power.sqlite").string(),
                          parts.paths.database.string(),
                          parts.site.daemon.baseDir / "power" / "web", std::move(*siteSchedules),
                          &parts.router, parts.site.site.id, parts.site.site.utcOffsetMinutes});
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
