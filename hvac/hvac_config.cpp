#include "hvac/hvac_config.hpp"

#include "io/modbus_device_config.hpp"

namespace sekimori::hvac {
namespace {

using core::Presence;
using core::TomlTableReader;

CracConfig readCrac(TomlTableReader& r) {
    CracConfig c;
    c.id = r.id("id", Presence::required).value_or("");
    c.name = r.string("name", Presence::required).value_or("");
    c.zone = r.id("zone", Presence::required).value_or("");
    c.device = r.id("device", Presence::required).value_or("");
    auto supply = r.number("supply_temp_max_c", Presence::optional, 10.0, 45.0);
    auto ret = r.number("return_temp_max_c", Presence::optional, 10.0, 60.0);
    c.supplyTempMaxC = supply.value_or(c.supplyTempMaxC);
    c.returnTempMaxC = ret.value_or(c.returnTempMaxC);
    if (c.returnTempMaxC <= c.supplyTempMaxC) {
        r.diagnostics().error(r.keyPath(ret ? "return_temp_max_c" : "supply_temp_max_c"),
                              "return_temp_max_c must be above supply_temp_max_c");
    }
    return c;
}

SensorConfig readSensor(TomlTableReader& r) {
    SensorConfig s;
    s.id = r.id("id", Presence::required).value_or("");
    s.name = r.string("name", Presence::required).value_or("");
    s.zone = r.id("zone", Presence::required).value_or("");
    s.device = r.id("device", Presence::required).value_or("");
    std::vector<std::pair<std::string_view, SensorKind>> words;
    for (auto kind : {SensorKind::temperature, SensorKind::humidity, SensorKind::leak}) {
        words.emplace_back(sensorKindName(kind), kind);
    }
    s.kind = r.choice<SensorKind>("kind", Presence::required, words).value_or(s.kind);
    s.channel = static_cast<int>(r.integer("channel", Presence::optional, 0, 255).value_or(0));
    s.min = r.number("min", Presence::optional, -50.0, 150.0);
    s.max = r.number("max", Presence::optional, -50.0, 150.0);
    if (s.kind == SensorKind::leak && (s.min || s.max)) {
        r.diagnostics().error(r.keyPath(s.min ? "min" : "max"),
                              "a leak sensor has no thresholds; it alarms on wet");
    }
    if (s.min && s.max && *s.max <= *s.min) {
        r.diagnostics().error(r.keyPath("max"), "must be above min");
    }
    return s;
}

ClimateSettings readClimate(TomlTableReader& r) {
    ClimateSettings c;
    constexpr std::int64_t hour = 3600;
    c.alarmDelayS = static_cast<int>(
        r.integer("alarm_delay_s", Presence::optional, 0, hour).value_or(c.alarmDelayS));
    c.restoreDelayS = static_cast<int>(
        r.integer("restore_delay_s", Presence::optional, 0, hour).value_or(c.restoreDelayS));
    c.deadbandC = r.number("deadband_c", Presence::optional, 0.0, 5.0).value_or(c.deadbandC);
    c.deadbandRh = r.number("deadband_rh", Presence::optional, 0.0, 20.0).value_or(c.deadbandRh);
    auto dewMin = r.number("dew_point_min_c", Presence::optional, -40.0, 40.0);
    auto dewMax = r.number("dew_point_max_c", Presence::optional, -40.0, 40.0);
    c.dewPointMinC = dewMin.value_or(c.dewPointMinC);
    c.dewPointMaxC = dewMax.value_or(c.dewPointMaxC);
    if (c.dewPointMaxC <= c.dewPointMinC) {
        r.diagnostics().error(r.keyPath(dewMax ? "dew_point_max_c" : "dew_point_min_c"),
                              "dew_point_max_c must be above dew_point_min_c");
    }
    c.rateLimitC = r.number("rate_limit_c", Presence::optional, 0.5, 50.0).value_or(c.rateLimitC);
    c.rateWindowS = static_cast<int>(
        r.integer("rate_window_s", Presence::optional, 60, hour).value_or(c.rateWindowS));
    c.powerWindowS = static_cast<int>(
        r.integer("power_window_s", Presence::optional, 0, 24 * hour).value_or(c.powerWindowS));
    if (c.deadbandC >= c.rateLimitC) {
        r.diagnostics().error(r.keyPath("deadband_c"), "must be below rate_limit_c");
    }
    r.finish();
    return c;
}

void requireZone(const core::IdRegistry& ids, const std::string& zone, const std::string& path,
                 core::ConfigDiagnostics& diagnostics) {
    if (!zone.empty() && !diagnostics.reported(path)) {
        ids.require("zone", zone, path, diagnostics);
    }
}

}  // namespace

std::string_view sensorKindName(SensorKind kind) {
    switch (kind) {
        case SensorKind::temperature:
            return "temperature";
        case SensorKind::humidity:
            return "humidity";
        case SensorKind::leak:
            return "leak";
    }
    return "?";
}

std::vector<std::string_view> HvacConfigSection::keys() const {
    return {"hvac", "crac_units", "sensors"};
}

void HvacConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                             core::IdRegistry& ids) {
    auto& diag = root.diagnostics();
    if (const toml::table* table = root.table("hvac", Presence::optional)) {
        TomlTableReader r(*table, "hvac", diag);
        config_.climate = readClimate(r);
    }
    root.forEachTable("crac_units", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        config_.cracUnits.push_back(readCrac(r));
        ids.declare("crac_unit", config_.cracUnits.back().id, r.keyPath("id"), diag);
    });
    root.forEachTable("sensors", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        config_.sensors.push_back(readSensor(r));
        ids.declare("sensor", config_.sensors.back().id, r.keyPath("id"), diag);
    });
}

void HvacConfigSection::check(const core::SiteConfig&, const core::IdRegistry& ids,
                              core::ConfigDiagnostics& diagnostics) {
    using io::ModbusProfile;
    for (std::size_t i = 0; i < config_.cracUnits.size(); ++i) {
        const std::string here = "crac_units[" + std::to_string(i) + "]";
        requireZone(ids, config_.cracUnits[i].zone, here + ".zone", diagnostics);
        io::requireModbusDevice(ids, config_.cracUnits[i].device, {ModbusProfile::crac},
                                here + ".device", diagnostics);
    }
    for (std::size_t i = 0; i < config_.sensors.size(); ++i) {
        const std::string here = "sensors[" + std::to_string(i) + "]";
        requireZone(ids, config_.sensors[i].zone, here + ".zone", diagnostics);
        io::requireModbusDevice(ids, config_.sensors[i].device, {ModbusProfile::sensor},
                                here + ".device", diagnostics);
        // The sensor profile has one point per kind (docs/modbus/sensor.md): the kind picks it.
        for (std::size_t j = 0; j < i; ++j) {
            const auto& a = config_.sensors[j];
            const auto& b = config_.sensors[i];
            if (a.device == b.device && a.kind == b.kind && !diagnostics.reported(here + ".kind")) {
                diagnostics.error(here + ".kind",
                                  std::string("sensors[")
                                      .append(std::to_string(j))
                                      .append("] already reads the ")
                                      .append(sensorKindName(b.kind))
                                      .append(" point of device \"")
                                      .append(b.device)
                                      .append("\"; its profile has one of each kind"));
            }
        }
    }
}

}  // namespace sekimori::hvac
