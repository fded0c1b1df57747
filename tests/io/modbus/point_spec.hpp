#pragma once
// A point in one line, for the engine's tests. Header-only.
#include <string>
#include <utility>

#include "io/modbus/register_map.hpp"

namespace sekimori::test {

inline io::modbus::PointSpec point(std::string id, io::modbus::Table table, int address,
                                   io::modbus::ValueType type = io::modbus::ValueType::u16,
                                   double scale = 1, std::string unit = "") {
    io::modbus::PointSpec p;
    p.id = std::move(id);
    p.table = table;
    p.address = address;
    p.type = type;
    p.scale = scale;
    p.unit = std::move(unit);
    return p;
}

}  // namespace sekimori::test
