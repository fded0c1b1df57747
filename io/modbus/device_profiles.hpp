#pragma once
// The register map of each device profile of [[modbus_devices]] (io/modbus_device_config.hpp),
// as data: one page per profile in docs/modbus/<profile>.md lists the same points, and a test
// reads those pages against this table so the two cannot drift. The simulators
// (sim/plant_sim.py) serve the same addresses.
#include <string_view>
#include <vector>

#include "io/modbus/register_map.hpp"

namespace sekimori::io::modbus {

// The points of a profile by its TOML name ("meter", "generator"); nullptr for an unknown one.
const std::vector<PointSpec>* profilePoints(std::string_view profile);
// Every profile's name, in the order of docs/modbus/README.md.
std::vector<std::string_view> profileNames();

}  // namespace sekimori::io::modbus
