#include "drills/drills_config.hpp"

#include "core/site_config_model.hpp"
#include "core/toml_table_reader.hpp"

namespace sekimori::drills {

namespace {

using core::Presence;

// A point "<device>.<point>" whose device is a Modbus device or a UPS of the site: the kinds a
// drill's series come from (sensors are read through their Modbus device).
constexpr std::string_view kSourceKinds[] = {"modbus_device", "ups"};

void readSeries(core::TomlTableReader& r, std::string_view key, SeriesSource& out) {
    if (auto v = r.string(key, Presence::optional)) {
        out.point = *v;
    }
}

void checkSeries(const SeriesSource& s, std::string_view key, const core::IdRegistry& ids,
                 core::ConfigDiagnostics& diagnostics) {
    if (s.point.empty()) {
        return;
    }
    const auto dot = s.point.find('.');
    const std::string path = "drills." + std::string(key);
    if (dot == std::string::npos || dot == 0 || dot + 1 == s.point.size()) {
        diagnostics.error(path, "'" + s.point + "' is not a telemetry point (<device>.<point>)");
        return;
    }
    const std::string device = s.point.substr(0, dot);
    for (auto kind : kSourceKinds) {
        if (ids.has(kind, device)) {
            return;
        }
    }
    diagnostics.error(
        path, "'" + s.point + "': no modbus device or UPS '" + device + "' in this site file");
}

}  // namespace

std::vector<std::string_view> DrillsConfigSection::keys() const {
    return {"drills"};
}

void DrillsConfigSection::read(core::TomlTableReader& root, const std::filesystem::path&,
                               core::IdRegistry&) {
    const toml::table* table = root.table("drills", Presence::optional);
    if (table == nullptr) {
        return;
    }
    core::TomlTableReader r(*table, "drills", root.diagnostics());
    DrillsConfig& c = config_;
    c.present = true;
    if (auto v = r.string("simulator", Presence::optional)) {
        auto where = core::parseHostPort(*v);
        if (!where ||
            (where->host != "127.0.0.1" && where->host != "::1" && where->host != "localhost")) {
            r.diagnostics().error("drills.simulator",
                                  "'" + *v +
                                      "': the plant simulator's control port on this "
                                      "host (127.0.0.1:PORT)");
        } else {
            c.simulator = *where;
        }
    }
    if (auto v = r.integer("hold_s", Presence::optional, 5, 3600)) {
        c.timing.hold = std::chrono::seconds(*v);
    }
    if (auto v = r.integer("endurance_hold_s", Presence::optional, 60, 86'400)) {
        c.timing.enduranceHold = std::chrono::seconds(*v);
    }
    if (auto v = r.integer("settle_s", Presence::optional, 5, 3600)) {
        c.timing.settle = std::chrono::seconds(*v);
    }
    readSeries(r, "ups_charge", c.upsCharge);
    readSeries(r, "load_voltage", c.loadVoltage);
    readSeries(r, "load_frequency", c.loadFrequency);
    readSeries(r, "fuel", c.fuelLitres);
    readSeries(r, "room_temp", c.roomTemp);
    if (auto v = r.number("fuel_litres_per_unit", Presence::optional, 0.001, 1e6)) {
        c.fuelLitres.scale = *v;
    }
    if (auto v = r.number("fuel_reserve_l", Presence::optional, 0, 1e7)) {
        c.fuelLitres.offset = *v;
    }
    DrillLimits& l = c.limits;
    if (auto v = r.number("transfer_max_s", Presence::optional, 0.1, 600)) {
        l.transferMaxS = *v;
    }
    if (auto v = r.number("generator_on_load_max_s", Presence::optional, 0.1, 600)) {
        l.generatorOnLoadMaxS = *v;
    }
    if (auto v = r.number("ups_min_charge_percent", Presence::optional, 0, 100)) {
        l.upsMinChargePercent = *v;
    }
    if (auto v = r.number("nominal_volts", Presence::optional, 50, 1000)) {
        l.nominalVolts = *v;
    }
    if (auto v = r.number("nominal_hz", Presence::optional, 40, 70)) {
        l.nominalHz = *v;
    }
    if (auto v = r.number("endurance_min_h", Presence::optional, 0.1, 10'000)) {
        l.enduranceMinH = *v;
    }
    if (auto v = r.number("room_temp_rise_max_c", Presence::optional, 0.1, 30)) {
        l.roomTempRiseMaxC = *v;
    }
    r.finish();
}

void DrillsConfigSection::check(const core::SiteConfig& site, const core::IdRegistry& ids,
                                core::ConfigDiagnostics& diagnostics) {
    config_.siteName = site.site.name.empty() ? site.site.id : site.site.name;
    checkSeries(config_.upsCharge, "ups_charge", ids, diagnostics);
    checkSeries(config_.loadVoltage, "load_voltage", ids, diagnostics);
    checkSeries(config_.loadFrequency, "load_frequency", ids, diagnostics);
    checkSeries(config_.fuelLitres, "fuel", ids, diagnostics);
    checkSeries(config_.roomTemp, "room_temp", ids, diagnostics);
}

}  // namespace sekimori::drills
