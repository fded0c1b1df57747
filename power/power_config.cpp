#include "power/power_config.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>
#include <utility>

#include "core/host_port.hpp"
#include "io/modbus_device_config.hpp"
#include "power/fuel_endurance.hpp"

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

core::SourcePos positionOf(const toml::node& node) {
    return core::SourcePos{node.source().begin.line, node.source().begin.column};
}

std::string formatFigure(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// burn_curve = [[load_fraction, litres_per_hour], ...]: TomlTableReader has no arrays of
// number pairs, so the elements are read here; each problem names the element.
std::vector<BurnPoint> readBurnCurve(const toml::table& table, TomlTableReader& g) {
    auto& diag = g.diagnostics();
    const std::string path = g.keyPath("burn_curve");
    g.claim("burn_curve");
    const toml::node* node = table.get("burn_curve");
    if (node == nullptr) {
        diag.error(path, "missing required key");
        return {};
    }
    diag.remember(path, positionOf(*node));
    const auto* array = node->as_array();
    if (array == nullptr) {
        diag.errorAt(positionOf(*node), path,
                     "expected array of [load_fraction, litres_per_hour] pairs, found " +
                         std::string(core::tomlTypeName(node->type())));
        return {};
    }
    if (array->size() < 2) {
        diag.errorAt(positionOf(*node), path,
                     "needs at least 2 points [load_fraction, litres_per_hour]; found " +
                         std::to_string(array->size()));
        return {};
    }
    std::vector<BurnPoint> curve;
    bool good = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string here = indexed(path, i);
        const auto* pair = element.as_array();
        std::optional<double> x;
        std::optional<double> y;
        if (pair != nullptr && pair->size() == 2) {
            x = pair->get(0)->value<double>();
            y = pair->get(1)->value<double>();
        }
        if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y)) {
            diag.errorAt(positionOf(element), here,
                         "expected [load_fraction, litres_per_hour] (two numbers)");
            good = false;
            continue;
        }
        if (*x < 0 || *x > 1) {
            diag.errorAt(positionOf(element), here,
                         "load fraction " + formatFigure(*x) + " is out of range 0..1");
            good = false;
            continue;
        }
        if (*y <= 0 || *y > 100'000) {
            diag.errorAt(positionOf(element), here,
                         "litres per hour " + formatFigure(*y) +
                             " must be above 0 and at most 100000 (a diesel burns fuel even idle)");
            good = false;
            continue;
        }
        if (!curve.empty() && *x <= curve.back().loadFraction) {
            diag.errorAt(positionOf(element), here,
                         "load fractions must increase strictly: " + formatFigure(*x) + " after " +
                             formatFigure(curve.back().loadFraction));
            good = false;
        } else if (!curve.empty() && *y < curve.back().litresPerHour) {
            diag.errorAt(
                positionOf(element), here,
                "litres per hour must not decrease as the load grows: " + formatFigure(*y) +
                    " after " + formatFigure(curve.back().litresPerHour));
            good = false;
        }
        BurnPoint point;
        point.loadFraction = *x;
        point.litresPerHour = *y;
        curve.push_back(point);
    }
    if (!good) {
        return {};
    }
    return curve;
}

GeneratorConfig readGenerator(const toml::table& table, TomlTableReader& g) {
    GeneratorConfig generator;
    constexpr double maxLitres = 10'000'000;
    constexpr double maxKw = 100'000;
    generator.device = g.id("device", Presence::required).value_or("");
    generator.ratingKw = g.number("rating_kw", Presence::required, 1, maxKw).value_or(0);
    generator.burnCurve = readBurnCurve(table, g);
    generator.siteLoadKw = g.number("site_load_kw", Presence::required, 0, maxKw).value_or(0);
    generator.dayTankLitres = g.number("day_tank_l", Presence::required, 0, maxLitres).value_or(0);
    generator.bulkTankLitres =
        g.number("bulk_tank_l", Presence::optional, 0, maxLitres).value_or(0);
    generator.atsSide =
        g.choice<AtsSide>("ats_side", Presence::optional, {{"a", AtsSide::a}, {"b", AtsSide::b}});
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
        feed.nominalVolts =
            f.number("nominal_v", Presence::optional, 50, 50'000).value_or(feed.nominalVolts);
        ids.declare("feed", feed.id, f.keyPath("id"), diag);
    });
    if (feeds && *feeds == 0) {
        diag.error(r.keyPath("feeds"), "a site needs at least one utility feed");
    }
    p.ats = r.id("ats", Presence::optional);
    if (const toml::table* sources = r.table("ats_sources", Presence::optional)) {
        TomlTableReader s(*sources, r.keyPath("ats_sources"), diag);
        p.atsSources.a = s.id("a", Presence::optional);
        p.atsSources.b = s.id("b", Presence::optional);
        s.finish();
        if (!p.ats) {
            diag.error(r.keyPath("ats_sources"), "ats_sources needs ats (the switch they feed)");
        }
    } else if (p.ats) {
        // The default topology: the first feed on side a, the second on side b.
        if (!p.feeds.empty()) {
            p.atsSources.a = p.feeds[0].id;
        }
        if (p.feeds.size() > 1) {
            p.atsSources.b = p.feeds[1].id;
        }
    }
    if (const toml::table* gen = r.table("generator", Presence::optional)) {
        TomlTableReader g(*gen, r.keyPath("generator"), diag);
        p.generator = readGenerator(*gen, g);
        g.finish();
        if (!p.ats && p.generator->atsSide) {
            diag.error(g.keyPath("ats_side"),
                       "ats_side needs ats (the switch the generator backs)");
        } else if (p.ats && !p.generator->atsSide) {
            p.generator->atsSide = AtsSide::b;
        }
    }
    p.requiredEnduranceHours =
        r.number("required_endurance_h", Presence::optional, kRequiredEnduranceHours, 8760)
            .value_or(kRequiredEnduranceHours);
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
    h.warnBeforeMinutes =
        static_cast<int>(r.integer("warn_before_min", Presence::optional, 1, 120).value_or(10));
    h.overrideMaxHours =
        static_cast<int>(r.integer("override_max_h", Presence::optional, 1, 24).value_or(12));
    return h;
}

}  // namespace

std::string hubPointName(std::string_view profile, int coil) {
    return std::string(profile == "pdu" ? "outlet_" : "coil_").append(std::to_string(coil));
}

namespace {

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
            atsSources(power);
        }
        if (power.generator) {
            generator(*power.generator, power.requiredEnduranceHours);
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
            const bool pdu = ids_.has("modbus_device.pdu", timer.relay.device);
            const bool relay = ids_.has("modbus_device.relay", timer.relay.device);
            if ((pdu && (timer.relay.coil < 1 || timer.relay.coil > 8)) ||
                (relay && timer.relay.coil > 7)) {
                diag_.error(here + ".relay.coil",
                            pdu ? "a PDU's outlet is 1..8" : "a relay board's coil is 0..7");
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
    void atsSources(const PowerPlantConfig& power) {
        const auto& sources = power.atsSources;
        for (const auto& [side, feed] : {std::pair{"a", &sources.a}, std::pair{"b", &sources.b}}) {
            if (*feed) {
                ids_.require("feed", **feed, std::string("power.ats_sources.") + side, diag_);
            }
        }
        if (sources.a && sources.b && *sources.a == *sources.b) {
            diag_.error("power.ats_sources.b", "feed " + core::inQuotes(*sources.b) +
                                                   " is already on side a; a feed feeds one side");
        }
    }

    void generator(const GeneratorConfig& generator, double requiredHours) {
        io::requireModbusDevice(ids_, generator.device, {ModbusProfile::generator},
                                "power.generator.device", diag_);
        for (const char* key :
             {"day_tank_l", "bulk_tank_l", "rating_kw", "site_load_kw", "burn_curve"}) {
            if (diag_.reported(std::string("power.generator.") + key)) {
                return;  // the figure below would be built on a value that was never read
            }
        }
        if (generator.burnCurve.empty()) {
            return;  // an element of the curve was reported
        }
        if (generator.siteLoadKw > generator.ratingKw) {
            diag_.error("power.generator.site_load_kw",
                        "site load " + formatFigure(generator.siteLoadKw) +
                            " kW exceeds the generator's rating_kw " +
                            formatFigure(generator.ratingKw));
            return;
        }
        const double hours = fuelEnduranceHours(generator);
        if (hours < requiredHours) {
            char text[320];
            std::snprintf(
                text, sizeof text,
                "fuel lasts %.1f h at site load ((day_tank_l %.0f + bulk_tank_l %.0f) / "
                "%.1f L/h, burn_curve at site_load_kw %g of rating_kw %g); at least "
                "%g h required",
                hours, generator.dayTankLitres, generator.bulkTankLitres,
                burnLitresPerHour(generator.burnCurve, generator.siteLoadKw / generator.ratingKw),
                generator.siteLoadKw, generator.ratingKw, requiredHours);
            diag_.error("power.generator", text);
        }
    }

    const core::IdRegistry& ids_;
    core::ConfigDiagnostics& diag_;
};

}  // namespace

std::string_view toString(AtsSide side) {
    return side == AtsSide::a ? "a" : "b";
}

double fuelEnduranceHours(const GeneratorConfig& generator) {
    if (generator.ratingKw <= 0) {
        return 0;
    }
    const double burn =
        burnLitresPerHour(generator.burnCurve, generator.siteLoadKw / generator.ratingKw);
    return burn > 0 ? (generator.dayTankLitres + generator.bulkTankLitres) / burn : 0;
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
