#include "power/plant_command.hpp"

#include <algorithm>

#include "io/modbus/device_profiles.hpp"

namespace sekimori::power {

namespace {

using json = nlohmann::json;

core::Error bad(std::string message) {
    return core::makeError("power.bad_command", std::move(message));
}

// GenComm state 1..4 is an engine that started (cranking, warming, off load, on load); 0 and 5
// (stopped, cooling down) one that was told to stop (docs/modbus/generator.md).
const std::vector<double> kStarted{1, 2, 3, 4};
const std::vector<double> kStopped{0, 5};

}  // namespace

core::Result<PlantCommand> parsePlantCommand(const json& body,
                                             const io::ModbusDevicesConfig& devices,
                                             const PowerConfig& power) {
    if (!body.is_object()) {
        return bad("the body must be a JSON object");
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "device" && key != "command" && key != "point" && key != "reason") {
            return bad("body." + key + ": unknown field");
        }
        if (!value.is_string()) {
            return bad("body." + key + ": a string");
        }
    }
    PlantCommand command;
    command.device = body.value("device", "");
    command.command = body.value("command", "");
    command.reason = body.value("reason", "");
    if (command.reason.empty() || command.reason.size() > 500) {
        return bad("body.reason: required, at most 500 characters (why the plant is switched)");
    }
    const auto* device = io::findModbusDevice(devices, command.device);
    if (device == nullptr) {
        return bad("body.device: no modbus device '" + command.device + "'");
    }
    const auto profile = io::modbusProfileName(device->profile);
    if (device->profile == io::ModbusProfile::generator) {
        const bool ours = power.plant && power.plant->generator &&
                          power.plant->generator->device == command.device;
        if (!ours) {
            return bad("body.device: '" + command.device + "' is not the site's generator");
        }
        if (body.contains("point")) {
            return bad("body.point: a generator is started or stopped, not written by point");
        }
        if (command.command != "start" && command.command != "stop") {
            return bad("body.command: \"start\" or \"stop\" for a generator");
        }
        command.point = "start_request";
        command.value = command.command == "start" ? 1 : 0;
        command.confirmPoint = "engine_state";
        command.confirmValues = command.command == "start" ? kStarted : kStopped;
        command.confirmWithin = std::chrono::seconds(30);
        return command;
    }
    if (device->profile != io::ModbusProfile::relay && device->profile != io::ModbusProfile::pdu) {
        return bad("body.device: '" + command.device + "' is a " + std::string(profile) +
                   "; only the generator, relays and PDUs take commands");
    }
    if (command.command != "on" && command.command != "off") {
        return bad("body.command: \"on\" or \"off\" for a relay or an outlet");
    }
    command.point = body.value("point", "");
    const auto* points = io::modbus::profilePoints(profile);
    const bool known =
        points != nullptr && std::any_of(points->begin(), points->end(), [&](const auto& p) {
            return p.id == command.point && p.table == io::modbus::Table::coil;
        });
    if (!known) {
        return bad("body.point: '" + command.point + "' is not a switch of a " +
                   std::string(profile) + " (docs/modbus/" + std::string(profile) + ".md)");
    }
    // A hub timer's relay follows its schedule; powering it by hand would bypass the approved,
    // self-expiring override (and the timer would cut it again at its next step).
    for (const auto& timer : power.hubTimers) {
        if (timer.relay.device == command.device &&
            hubPointName(profile, timer.relay.coil) == command.point) {
            return bad("body.point: '" + command.point + "' is switched by hub timer '" + timer.id +
                       "'; ask for an override (POST /api/power/hubs/overrides)");
        }
    }
    command.value = command.command == "on" ? 1 : 0;
    command.confirmPoint = command.point;
    command.confirmValues = {command.value};
    // Two polls for the read-back, and a second for the device to settle.
    command.confirmWithin = 2 * device->poll + std::chrono::seconds(1);
    return command;
}

json plantCommandAction(const PlantCommand& command) {
    json action{
        {"device", command.device}, {"command", command.command}, {"reason", command.reason}};
    if (command.point != "start_request") {
        action["point"] = command.point;
    }
    return action;
}

std::string plantCommandSummary(const PlantCommand& command) {
    std::string summary = command.command + " " + command.device;
    if (command.point != "start_request") {
        summary += " " + command.point;
    }
    return summary + ": " + command.reason;
}

}  // namespace sekimori::power
