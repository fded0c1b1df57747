#include "power/power_config.hpp"

#include <cstdio>
#include <map>

#include "core/host_port.hpp"
#include "io/modbus_device_config.hpp"

namespace sekimori::power {
namespace {

using core::Presence;
using core::TomlTableReader;
using io::ModbusProfile;

std::string indexed(std::string_view list, std::size_t i) {
    return std::string(list) + "[" + std::to_string(i) + "]";
}

// "upsname@host[:port]" (NUT's own spelling, as upsc takes it).
bool parseNut(const std::string& text, UpsConfig& ups) {
    const auto at = text.find('@');
    if (at == std::string::npos || at == 0) {
        return false;
    }
    ups.nutUps = text.substr(0, at);
    const std::string_view server = std::string_view(text).substr(at + 1);
    if (server.find(':') == std::string_view::npos) {
        ups.nutHost = std::string(server);
        return !server.empty();
    }
    auto hostPort = core::parseHostPort(server);
    if (!hostPort) {
        return false;
    }
    ups.nutHost = hostPort->host;
    ups.nutPort = hostPort->port;
    return true;
}

void readUps(TomlTableReader& u, UpsConfig& ups) {
    ups.id = u.id("id", Presence::required).value_or("");
    ups.name = u.string("name", Presence::required).value_or("");
    if (auto nut = u.string("nut", Presence::required)) {
        ups.nut = *nut;
        if (!parseNut(*nut, ups)) {
            u.diagnostics().error(u.keyPath("nut"), "\"" + *nut + "\" is not upsname@host[:port]");
        }
    }
    ups.device = u.id("device", Presence::optional);
    ups.batteryLowPercent =
        static_cast<int>(u.integer("battery_low_percent", Presence::optional, 1, 99)
                             .value_or(ups.batteryLowPercent));
}

GeneratorConfig readGenerator(TomlTableReader& g) {
    GeneratorConfig generator;
    constexpr double maxLitres = 10'000'000;
    generator.device = g.id("device", Presence::required).value_or("");
    generator.dayTankLitres = g.number("day_tank_l", Presence::required, 0, maxLitres).value_or(0);
    generator.bulkTankLitres =
        g.number("bulk_tank_l", Presence::optional, 0, maxLitres).value_or(0);
    generator.burnLitresPerHourAtSiteLoad =
        g.number("burn_l_per_h_at_site_load", Presence::required, 0.1, 100'000).value_or(0);
    return generator;
}

PowerPlantConfig readPlant(TomlTableReader& r, core::IdRegistry& ids) {
    auto& diag = r.diagnostics();
    PowerPlantConfig p;
    auto feeds = r.forEachTable("feeds", Presence::required, [&](TomlTableReader& f, std::size_t) {
        FeedConfig& feed = p.feeds.emplace_back();
        feed.id = f.id("id", Presence::required).value_or("");
        feed.name = f.string("name", Presence::required).value_or("");
        feed.meter = f.id("meter", Presence::required).value_or("");
        ids.declare("feed", feed.id, f.keyPath("id"), diag);
    });
    if (feeds && *feeds == 0) {
        diag.error(r.keyPath("feeds"), "a site needs at least one utility feed");
    }
    p.ats = r.id("ats", Presence::optional);
    if (const toml::table* gen = r.table("generator", Presence::optional)) {
        TomlTableReader g(*gen, r.keyPath("generator"), diag);
        p.generator = readGenerator(g);
        g.finish();
    }
    r.forEachTable("ups", Presence::optional, [&](TomlTableReader& u, std::size_t) {
        UpsConfig& ups = p.ups.emplace_back();
        readUps(u, ups);
        ids.declare("ups", ups.id, u.keyPath("id"), diag);
    });
    return p;
}

HubTimerConfig readHubTimer(TomlTableReader& r) {
    HubTimerConfig h;
    h.id = r.id("id", Presence::required).value_or("");
    h.name = r.string("name", Presence::required).value_or("");
    if (const toml::table* relay = r.table("relay", Presence::required)) {
        TomlTableReader rr(*relay, r.keyPath("relay"), r.diagnostics());
        h.relay.device = rr.id("device", Presence::required).value_or("");
        h.relay.coil =
            static_cast<int>(rr.integer("coil", Presence::required, 0, 65535).value_or(0));
        rr.finish();
    }
    h.schedule = r.id("schedule", Presence::required).value_or("");
    h.allowOverride = r.boolean("allow_override", Presence::optional).value_or(false);
    return h;
}

class PowerChecks {
  public:
    PowerChecks(const core::IdRegistry& ids, core::ConfigDiagnostics& diagnostics)
        : ids_(ids), diag_(diagnostics) {}

    void plant(const PowerPlantConfig& power) {
        std::map<std::string, std::string> meters;
        for (std::size_t i = 0; i < power.feeds.size(); ++i) {
            const std::string here = indexed("power.feeds", i);
            const std::string& meter = power.feeds[i].meter;
            io::requireModbusDevice(ids_, meter, {ModbusProfile::meter}, here + ".meter", diag_);
            if (meter.empty()) {
                continue;
            }
            auto [it, inserted] = meters.emplace(meter, here);
            if (!inserted) {
                diag_.error(here + ".meter",
                            "meter " + core::inQuotes(meter) + " already measures " + it->second);
            }
        }
        if (power.ats) {
            io::requireModbusDevice(ids_, *power.ats, {ModbusProfile::ats}, "power.ats", diag_);
        }
        if (power.generator) {
            generator(*power.generator);
        }
        for (std::size_t i = 0; i < power.ups.size(); ++i) {
            if (power.ups[i].device) {
                io::requireModbusDevice(ids_, *power.ups[i].device, {ModbusProfile::ups},
                                        indexed("power.ups", i) + ".device", diag_);
            }
        }
    }

    void hubTimers(const std::vector<HubTimerConfig>& timers) {
        std::map<std::pair<std::string, int>, std::string> coils;
        for (std::size_t i = 0; i < timers.size(); ++i) {
            const HubTimerConfig& timer = timers[i];
            const std::string here = indexed("hub_timers", i);
            io::requireModbusDevice(ids_, timer.relay.device,
                                    {ModbusProfile::relay, ModbusProfile::pdu},
                                    here + ".relay.device", diag_);
            if (!timer.schedule.empty() && !diag_.reported(here + ".schedule")) {
                ids_.require("schedule", timer.schedule, here + ".schedule", diag_);
            }
            if (timer.relay.device.empty() || diag_.reported(here + ".relay.coil")) {
                continue;
            }
            auto [it, inserted] =
                coils.emplace(std::pair(timer.relay.device, timer.relay.coil), here);
            if (!inserted) {
                diag_.error(here + ".relay.coil", "coil " + std::to_string(timer.relay.coil) +
                                                      " of " + core::inQuotes(timer.relay.device) +
                                                      " already switches " + it->second);
            }
        }
    }

  private:
    void generator(const GeneratorConfig& generator) {
        io::requireModbusDevice(ids_, generator.device, {ModbusProfile::generator},
                                "power.generator.device", diag_);
        for (const char* key : {"day_tank_l", "bulk_tank_l", "burn_l_per_h_at_site_load"}) {
            if (diag_.reported(std::string("power.generator.") + key)) {
                return;  // the figure below would be built on a value that was never read
            }
        }
        const double hours = fuelEnduranceHours(generator);
        if (hours < kRequiredEnduranceHours) {
            char text[256];
            std::snprintf(text, sizeof text,
                          "fuel lasts %.1f h at site load ((day_tank_l %.0f + bulk_tank_l %.0f) / "
                          "burn_l_per_h_at_site_load %.1f); at least %.0f h required",
                          hours, generator.dayTankLitres, generator.bulkTankLitres,
                          generator.burnLitresPerHourAtSiteLoad, kRequiredEnduranceHours);
            diag_.error("power.generator", text);
        }
    }

    const core::IdRegistry& ids_;
    core::ConfigDiagnostics& diag_;
};

}  // namespace

double fuelEnduranceHours(const GeneratorConfig& generator) {
    return (generator.dayTankLitres + generator.bulkTankLitres) /
           generator.burnLitresPerHourAtSiteLoad;
}

std::vector<std::string_view> PowerConfigSection::keys() const {
    return {"power", "hub_timers"};
}

void PowerConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                              core::IdRegistry& ids) {
    auto& diag = root.diagnostics();
    if (const toml::table* table = root.table("power", Presence::optional)) {
        TomlTableReader r(*table, "power", diag);
        config_.plant = readPlant(r, ids);
        r.finish();
    }
    root.forEachTable("hub_timers", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        config_.hubTimers.push_back(readHubTimer(r));
        ids.declare("hub_timer", config_.hubTimers.back().id, r.keyPath("id"), diag);
    });
}

void PowerConfigSection::check(const core::SiteConfig&, const core::IdRegistry& ids,
                               core::ConfigDiagnostics& diagnostics) {
    PowerChecks checks(ids, diagnostics);
    if (config_.plant) {
        checks.plant(*config_.plant);
    }
    checks.hubTimers(config_.hubTimers);
}

}  // namespace sekimori::power
