#include "io/modbus/device_profiles.hpp"

#include <map>
#include <string>

namespace sekimori::io::modbus {
namespace {

PointSpec p(std::string id, Table table, int address, ValueType type, double scale,
            std::string unit, WordOrder words = WordOrder::highFirst) {
    PointSpec point;
    point.id = std::move(id);
    point.table = table;
    point.address = address;
    point.type = type;
    point.words = words;
    point.scale = scale;
    point.unit = std::move(unit);
    return point;
}

PointSpec bit(std::string id, Table table, int address) {
    return p(std::move(id), table, address, ValueType::boolean, 1, "");
}

using T = Table;
using V = ValueType;

const std::map<std::string, std::vector<PointSpec>, std::less<>>& profiles() {
    static const std::map<std::string, std::vector<PointSpec>, std::less<>> all{
        // Transfer switch: which sources are healthy and where the switch is, by its auxiliary
        // contacts (the confirmed position, never the commanded one).
        {"ats",
         {bit("source_a_available", T::discreteInput, 0),
          bit("source_b_available", T::discreteInput, 1), bit("on_a", T::discreteInput, 2),
          bit("on_b", T::discreteInput, 3), bit("transferring", T::discreteInput, 4),
          p("transfer_count", T::holding, 0, V::u16, 1, ""),
          p("last_transfer_ms", T::holding, 1, V::u16, 1, "ms")}},
        // Generator controller, DeepSea GenComm-style (page 4 instrumentation, page 3 state).
        {"generator",
         {p("engine_state", T::holding, 772, V::u16, 1, ""),
          p("oil_pressure", T::holding, 1024, V::u16, 1, "kPa"),
          p("coolant_temp", T::holding, 1025, V::s16, 1, "degC"),
          p("fuel_level", T::holding, 1027, V::u16, 1, "%"),
          p("battery_volts", T::holding, 1029, V::u16, 0.1, "V"),
          p("engine_rpm", T::holding, 1030, V::u16, 1, "rpm"),
          p("frequency", T::holding, 1031, V::u16, 0.1, "Hz"),
          p("voltage_l1", T::holding, 1032, V::u32, 0.1, "V"),
          p("current_l1", T::holding, 1044, V::u32, 0.1, "A"),
          p("power", T::holding, 1052, V::s32, 0.001, "kW"),
          // The remote start request (simplified GenComm page 16): 1 run, 0 stop. Written only
          // by an approved command, confirmed by engine_state, never by this echo.
          p("start_request", T::holding, 4104, V::u16, 1, "")}},
        // Power meter, PM5100-style float32 registers (high word first).
        {"meter",
         {p("current_avg", T::holding, 3009, V::f32, 1, "A"),
          p("voltage_ln_avg", T::holding, 3035, V::f32, 1, "V"),
          p("power", T::holding, 3059, V::f32, 1, "kW"),
          p("frequency", T::holding, 3109, V::f32, 1, "Hz")}},
        // A UPS's own Modbus card, when it has one (NUT's upsd is the primary source).
        {"ups",
         {bit("on_battery", T::discreteInput, 0), bit("low_battery", T::discreteInput, 1),
          p("battery_charge", T::input, 0, V::u16, 1, "%"),
          p("runtime", T::input, 1, V::u16, 1, "s"), p("load", T::input, 2, V::u16, 1, "%")}},
        // CRAC unit, Liebert iCOM-style (tenths of a degree and of a percent).
        {"crac",
         {bit("running", T::discreteInput, 0), bit("alarm", T::discreteInput, 1),
          p("supply_temp", T::input, 0, V::s16, 0.1, "degC"),
          p("return_temp", T::input, 1, V::s16, 0.1, "degC"),
          p("return_humidity", T::input, 2, V::u16, 0.1, "%"),
          p("fan_speed", T::input, 3, V::u16, 1, "%"),
          p("setpoint", T::holding, 0, V::s16, 0.1, "degC")}},
        // Room sensor: temperature, humidity, leak rope.
        {"sensor",
         {bit("leak", T::discreteInput, 0), p("temp", T::input, 0, V::s16, 0.1, "degC"),
          p("humidity", T::input, 1, V::u16, 0.1, "%")}},
        // Relay board: eight coils, read back as they are.
        {"relay",
         {bit("coil_0", T::coil, 0), bit("coil_1", T::coil, 1), bit("coil_2", T::coil, 2),
          bit("coil_3", T::coil, 3), bit("coil_4", T::coil, 4), bit("coil_5", T::coil, 5),
          bit("coil_6", T::coil, 6), bit("coil_7", T::coil, 7)}},
        // Switched PDU: eight outlets and the total load.
        {"pdu",
         {bit("outlet_1", T::coil, 0), bit("outlet_2", T::coil, 1), bit("outlet_3", T::coil, 2),
          bit("outlet_4", T::coil, 3), bit("outlet_5", T::coil, 4), bit("outlet_6", T::coil, 5),
          bit("outlet_7", T::coil, 6), bit("outlet_8", T::coil, 7),
          p("load", T::input, 0, V::u16, 0.01, "A")}},
    };
    return all;
}

}  // namespace

const std::vector<PointSpec>* profilePoints(std::string_view profile) {
    const auto& all = profiles();
    auto found = all.find(profile);
    return found == all.end() ? nullptr : &found->second;
}

std::vector<std::string_view> profileNames() {
    return {"ats", "generator", "meter", "ups", "crac", "sensor", "relay", "pdu"};
}

}  // namespace sekimori::io::modbus
