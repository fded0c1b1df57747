#pragma once
// A command to the plant as an operator asks for it (POST /api/power/commands): start or stop
// the generator, switch a relay's coil or a PDU's outlet. Pure: parsing and what the read-back
// must show. A command is never sent on request; the approval's event makes the service send
// it (power/power_service.cpp), and only the device's read-back confirms it.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "io/modbus_device_config.hpp"
#include "power/power_config.hpp"

namespace sekimori::power {

inline constexpr std::string_view kPlantCommandKind = "power.plant_command";

struct PlantCommand {
    std::string device;   // a [[modbus_devices]] id
    std::string command;  // "start" | "stop" (generator), "on" | "off" (relay, pdu)
    std::string point;    // the point written ("start_request", "coil_3", "outlet_2")
    double value = 0;
    // Confirmed when `confirmPoint` reads one of `confirmValues` after the write.
    std::string confirmPoint;
    std::vector<double> confirmValues;
    std::chrono::milliseconds confirmWithin{0};
    std::string reason;
};

// {"device", "command", "point" (relay/pdu only), "reason"}: unknown fields, a device that is
// not the site's generator nor a relay/pdu, a point the profile lacks, a missing reason are
// each a clear error (code power.bad_command).
core::Result<PlantCommand> parsePlantCommand(const nlohmann::json& body,
                                             const io::ModbusDevicesConfig& devices,
                                             const PowerConfig& power);

// What the approval stores (and re-parses when approved): the operator's fields only.
nlohmann::json plantCommandAction(const PlantCommand& command);
// One line for the approvals page: "start generator gen-1: monthly test run".
std::string plantCommandSummary(const PlantCommand& command);

}  // namespace sekimori::power
