// Reads each table of the site file into the model: types, ranges, syntax of single values and
// unknown keys. Relations between objects are checked afterwards (site_config_checks.cpp).
#include <charconv>
#include <limits>
#include <system_error>

#include "core/site_config_steps.hpp"

namespace sekimori::core {
namespace {

using Milliseconds = std::chrono::milliseconds;
constexpr std::int64_t maxPort = 65535;

template <class Field, class Value>
void setIf(Field& field, const std::optional<Value>& value) {
    if (value) {
        field = static_cast<Field>(*value);
    }
}

void readMilliseconds(TomlTableReader& r, std::string_view key, Milliseconds& field,
                      std::int64_t min, std::int64_t max) {
    if (auto v = r.integer(key, Presence::optional, min, max)) {
        field = Milliseconds(*v);
    }
}

std::optional<std::uint16_t> parsePort(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty() || value == 0 || value > maxPort) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

// "host:port" or "[v6]:port"; the host is returned without brackets.
std::optional<std::pair<std::string, std::uint16_t>> parseHostPort(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') {
            return std::nullopt;
        }
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return std::nullopt;
    }
    auto port = parsePort(text.substr(colon + 1));
    if (!port) {
        return std::nullopt;
    }
    return std::pair(std::string(host), *port);
}

// "HH:MM" to minutes after midnight; "24:00" only where allowEndOfDay.
std::optional<int> parseClock(std::string_view text, bool allowEndOfDay) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (text.size() != 5 || text[2] != ':' || !digit(text[0]) || !digit(text[1]) ||
        !digit(text[3]) || !digit(text[4])) {
        return std::nullopt;
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (minutes > 59 || hours > 24 || (hours == 24 && (minutes != 0 || !allowEndOfDay))) {
        return std::nullopt;
    }
    return hours * 60 + minutes;
}

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// rtsp://host[:port]/... with a non-empty host.
bool isRtspUrl(std::string_view url) {
    for (std::string_view scheme : {"rtsp://", "rtsps://"}) {
        if (startsWith(url, scheme)) {
            const auto rest = url.substr(scheme.size());
            return !rest.empty() && rest.front() != '/' && rest.find(' ') == std::string_view::npos;
        }
    }
    return false;
}

class SectionReader {
  public:
    SectionReader(TomlTableReader& root, const std::filesystem::path& configDir, SiteConfig& config)
        : root_(root), configDir_(configDir), config_(config) {}

    void readAll() {
        readSite();
        readDaemon();
        readZones();
        readSchedules();
        readDoors();
        readCircleGates();
        readCameras();
        readModbusDevices();
        readPower();
        readCracUnits();
        readSensors();
        readHubTimers();
    }

  private:
    ConfigDiagnostics& diag() { return root_.diagnostics(); }

    void readSite() {
        const toml::table* table = root_.table("site", Presence::required);
        if (table == nullptr) {
            return;
        }
        TomlTableReader r(*table, "site", diag());
        setIf(config_.site.id, r.id("id", Presence::required));
        setIf(config_.site.name, r.string("name", Presence::required));
        // UTC-12:00 .. UTC+14:00, the offsets in use on Earth.
        setIf(config_.site.utcOffsetMinutes,
              r.integer("utc_offset_minutes", Presence::required, -720, 840));
        r.finish();
    }

    std::filesystem::path resolve(const std::filesystem::path& base, std::string_view written) {
        std::filesystem::path p(written);
        if (p.is_relative()) {
            p = base / p;
        }
        p = p.lexically_normal();
        // "/srv/site/config/.." normalises to "/srv/site/"; drop the trailing separator.
        if (!p.has_filename() && p.has_relative_path()) {
            p = p.parent_path();
        }
        return p;
    }

    void readPath(TomlTableReader& r, std::string_view key, std::filesystem::path& field,
                  std::string_view fallback) {
        auto text = r.string(key, Presence::optional);
        if (text && text->empty()) {
            diag().error(r.keyPath(key), "must not be empty");
            text.reset();
        }
        field = resolve(config_.daemon.baseDir, text ? *text : fallback);
    }

    void readDaemon() {
        auto& d = config_.daemon;
        const toml::table* table = root_.table("daemon", Presence::optional);
        const toml::table empty;
        TomlTableReader r(table != nullptr ? *table : empty, "daemon", diag());
        auto base = r.string("base_dir", Presence::optional);
        d.baseDir = resolve(configDir_, base ? *base : ".");
        readPath(r, "data_dir", d.dataDir, "var/data");
        readPath(r, "key_dir", d.keyDir, "var/keys");
        d.mqttUri = r.string("mqtt_uri", Presence::optional).value_or("tcp://127.0.0.1:1883");
        checkMqttUri(r, d.mqttUri);
        auto user = r.id("mqtt_user", Presence::optional);
        d.mqttUser = user.value_or("sekimorid");
        readPath(r, "mqtt_password_file", d.mqttPasswordFile,
                 "var/secrets/mqtt/" + d.mqttUser + ".password");
        d.consoleListen = r.string("console_listen", Presence::optional).value_or("127.0.0.1:8443");
        if (auto hostPort = parseHostPort(d.consoleListen)) {
            d.consoleHost = hostPort->first;
            d.consolePort = hostPort->second;
        } else {
            diag().error(r.keyPath("console_listen"),
                         "\"" + d.consoleListen + "\" is not host:port with a port 1..65535");
        }
        readPath(r, "console_cert", d.consoleCert, "var/tls/console-cert.pem");
        readPath(r, "console_key", d.consoleKey, "var/tls/console-key.pem");
        readPath(r, "console_web_root", d.consoleWebRoot, "console/web");
        setIf(d.logLevel, r.choice<LogLevel>("log_level", Presence::optional,
                                             {{"debug", LogLevel::debug},
                                              {"info", LogLevel::info},
                                              {"warning", LogLevel::warning},
                                              {"error", LogLevel::error}}));
        r.finish();
    }

    void checkMqttUri(TomlTableReader& r, const std::string& uri) {
        for (std::string_view scheme : {"tcp://", "ssl://", "mqtt://", "mqtts://"}) {
            if (startsWith(uri, scheme) &&
                parseHostPort(std::string_view(uri).substr(scheme.size()))) {
                return;
            }
        }
        diag().error(r.keyPath("mqtt_uri"),
                     "\"" + uri + "\" is not tcp://host:port (or ssl://, mqtt://, mqtts://)");
    }

    void readZones() {
        root_.forEachTable("zones", Presence::required, [&](TomlTableReader& r, std::size_t) {
            ZoneConfig& z = config_.zones.emplace_back();
            setIf(z.id, r.id("id", Presence::required));
            setIf(z.name, r.string("name", Presence::required));
            setIf(z.parent, r.id("parent", Presence::optional));
            setIf(z.kind, r.choice<ZoneKind>("kind", Presence::required,
                                             {{"site", ZoneKind::site},
                                              {"building", ZoneKind::building},
                                              {"floor", ZoneKind::floor},
                                              {"management_area", ZoneKind::managementArea},
                                              {"handling_area", ZoneKind::handlingArea},
                                              {"area", ZoneKind::area}}));
        });
    }

    void readSchedules() {
        root_.forEachTable("schedules", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            ScheduleConfig& s = config_.schedules.emplace_back();
            setIf(s.id, r.id("id", Presence::required));
            setIf(s.name, r.string("name", Presence::required));
            auto count = r.forEachTable(
                "windows", Presence::required,
                [&](TomlTableReader& w, std::size_t) { s.windows.push_back(readWindow(w)); });
            if (count && *count == 0) {
                diag().error(r.keyPath("windows"), "a schedule needs at least one window");
            }
        });
    }

    ScheduleWindow readWindow(TomlTableReader& w) {
        ScheduleWindow window;
        if (auto days = w.stringArray("days", Presence::required)) {
            if (days->empty()) {
                diag().error(w.keyPath("days"), "must name at least one day");
            }
            for (std::size_t i = 0; i < days->size(); ++i) {
                const std::string dayPath = w.keyPath("days") + "[" + std::to_string(i) + "]";
                auto day = parseWeekday((*days)[i]);
                if (!day) {
                    diag().error(dayPath, "unknown day \"" + (*days)[i] +
                                              "\"; expected mon, tue, wed, thu, fri, sat or sun");
                } else if (std::find(window.days.begin(), window.days.end(), *day) !=
                           window.days.end()) {
                    diag().error(dayPath, "day \"" + (*days)[i] + "\" listed twice");
                } else {
                    window.days.push_back(*day);
                }
            }
        }
        auto start = w.string("start", Presence::required);
        auto end = w.string("end", Presence::required);
        std::optional<int> startMinute;
        std::optional<int> endMinute;
        if (start) {
            startMinute = parseClock(*start, false);
            if (!startMinute) {
                diag().error(w.keyPath("start"), "\"" + *start + "\" is not a time HH:MM");
            }
        }
        if (end) {
            endMinute = parseClock(*end, true);
            if (!endMinute) {
                diag().error(w.keyPath("end"),
                             "\"" + *end + "\" is not a time HH:MM (24:00 allowed)");
            }
        }
        if (startMinute && endMinute && *endMinute <= *startMinute) {
            diag().error(w.keyPath("end"), "\"" + *end + "\" is not after start \"" + *start +
                                               "\"; split a window across midnight in two");
        }
        window.startMinute = startMinute.value_or(0);
        window.endMinute = endMinute.value_or(0);
        return window;
    }

    static std::optional<Weekday> parseWeekday(std::string_view word) {
        for (auto day : {Weekday::mon, Weekday::tue, Weekday::wed, Weekday::thu, Weekday::fri,
                         Weekday::sat, Weekday::sun}) {
            if (weekdayName(day) == word) {
                return day;
            }
        }
        return std::nullopt;
    }

    // Ordered factors: no repeats, card first (the card names whose PIN and finger to ask for).
    // Entry factors are required and non-empty; exit factors may be absent or empty.
    std::vector<Factor> readFactors(TomlTableReader& r, std::string_view key, Presence presence) {
        std::vector<Factor> factors;
        auto words = r.stringArray(key, presence);
        if (!words) {
            return factors;
        }
        if (words->empty() && presence == Presence::required) {
            diag().error(r.keyPath(key), "must name at least one factor");
        }
        for (std::size_t i = 0; i < words->size(); ++i) {
            const std::string itemPath = r.keyPath(key) + "[" + std::to_string(i) + "]";
            const std::string& word = (*words)[i];
            std::optional<Factor> factor;
            for (auto f : {Factor::card, Factor::pin, Factor::finger}) {
                if (factorName(f) == word) {
                    factor = f;
                }
            }
            if (!factor) {
                diag().error(itemPath,
                             "unknown factor \"" + word + "\"; expected card, pin or finger");
            } else if (std::find(factors.begin(), factors.end(), *factor) != factors.end()) {
                diag().error(itemPath, "factor \"" + word + "\" listed twice");
            } else {
                factors.push_back(*factor);
            }
        }
        if (!factors.empty() && factors.front() != Factor::card) {
            diag().error(r.keyPath(key) + "[0]", "the first factor must be \"card\"");
        }
        return factors;
    }

    void readDoors() {
        root_.forEachTable("doors", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            DoorConfig& d = config_.doors.emplace_back();
            setIf(d.id, r.id("id", Presence::required));
            setIf(d.name, r.string("name", Presence::required));
            setIf(d.panel, r.id("panel", Presence::required));
            setIf(d.fromZone, r.id("from_zone", Presence::required));
            setIf(d.toZone, r.id("to_zone", Presence::required));
            d.entryFactors = readFactors(r, "entry_factors", Presence::required);
            d.exitFactors = readFactors(r, "exit_factors", Presence::optional);
            readMilliseconds(r, "unlock_ms", d.unlock, 500, 60'000);
            readMilliseconds(r, "step_timeout_ms", d.stepTimeout, 1'000, 120'000);
            setIf(d.fingerThreshold, r.integer("finger_threshold", Presence::optional, 0, 100));
            readMilliseconds(r, "held_open_ms", d.heldOpen, 1'000, 3'600'000);
        });
    }

    void readCircleGates() {
        root_.forEachTable(
            "circle_gates", Presence::optional, [&](TomlTableReader& r, std::size_t) {
                CircleGateConfig& g = config_.circleGates.emplace_back();
                setIf(g.id, r.id("id", Presence::required));
                setIf(g.name, r.string("name", Presence::required));
                setIf(g.panel, r.id("panel", Presence::required));
                setIf(g.fromZone, r.id("from_zone", Presence::required));
                setIf(g.toZone, r.id("to_zone", Presence::required));
                g.entryFactors = readFactors(r, "entry_factors", Presence::required);
                g.exitFactors = readFactors(r, "exit_factors", Presence::optional);
                // A circle gate is a one-person booth: the whole point is that two cannot pass.
                setIf(g.maxOccupants, r.integer("max_occupants", Presence::optional, 1, 1));
                setIf(g.maxWeightKg, r.number("max_weight_kg", Presence::required, 30.0, 300.0));
                readMilliseconds(r, "cycle_timeout_ms", g.cycleTimeout, 5'000, 600'000);
                readMilliseconds(r, "step_timeout_ms", g.stepTimeout, 1'000, 120'000);
                setIf(g.fingerThreshold, r.integer("finger_threshold", Presence::optional, 0, 100));
            });
    }

    void readRtsp(TomlTableReader& r, std::string_view key, Presence presence,
                  std::optional<std::string>& field) {
        field = r.string(key, presence);
        if (field && !isRtspUrl(*field)) {
            diag().error(r.keyPath(key), "\"" + *field + "\" is not an rtsp:// URL");
            field.reset();
        }
    }

    void readCameras() {
        root_.forEachTable("cameras", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            CameraConfig& c = config_.cameras.emplace_back();
            setIf(c.id, r.id("id", Presence::required));
            setIf(c.name, r.string("name", Presence::required));
            std::optional<std::string> url;
            readRtsp(r, "url", Presence::required, url);
            c.url = url.value_or("");
            readRtsp(r, "substream_url", Presence::optional, c.substreamUrl);
            c.covers = r.stringArray("covers", Presence::required).value_or(c.covers);
            // Footage is kept 90 days at least (site policy); ten years is the ceiling.
            setIf(c.retentionDays, r.integer("retention_days", Presence::optional, 90, 3650));
        });
    }

    void readModbusDevices() {
        root_.forEachTable(
            "modbus_devices", Presence::optional, [&](TomlTableReader& r, std::size_t) {
                ModbusDeviceConfig& m = config_.modbusDevices.emplace_back();
                setIf(m.id, r.id("id", Presence::required));
                setIf(m.name, r.string("name", Presence::optional));
                if (auto host = r.string("host", Presence::required)) {
                    m.host = *host;
                    if (host->empty()) {
                        diag().error(r.keyPath("host"), "must not be empty");
                    }
                }
                setIf(m.port, r.integer("port", Presence::optional, 1, maxPort));
                setIf(m.unitId, r.integer("unit_id", Presence::optional, 0, 247));
                setIf(m.profile, r.choice<ModbusProfile>("profile", Presence::required,
                                                         {{"ats", ModbusProfile::ats},
                                                          {"generator", ModbusProfile::generator},
                                                          {"meter", ModbusProfile::meter},
                                                          {"ups", ModbusProfile::ups},
                                                          {"crac", ModbusProfile::crac},
                                                          {"sensor", ModbusProfile::sensor},
                                                          {"relay", ModbusProfile::relay},
                                                          {"pdu", ModbusProfile::pdu}}));
                readMilliseconds(r, "poll_ms", m.poll, 100, 3'600'000);
                readMilliseconds(r, "timeout_ms", m.timeout, 50, 10'000);
            });
    }

    void readPower() {
        const toml::table* table = root_.table("power", Presence::optional);
        if (table == nullptr) {
            return;
        }
        TomlTableReader r(*table, "power", diag());
        PowerConfig& p = config_.power.emplace();
        auto feeds =
            r.forEachTable("feeds", Presence::required, [&](TomlTableReader& f, std::size_t) {
                FeedConfig& feed = p.feeds.emplace_back();
                setIf(feed.id, f.id("id", Presence::required));
                setIf(feed.name, f.string("name", Presence::required));
                setIf(feed.meter, f.id("meter", Presence::required));
            });
        if (feeds && *feeds == 0) {
            diag().error(r.keyPath("feeds"), "a site needs at least one utility feed");
        }
        p.ats = r.id("ats", Presence::optional);
        if (const toml::table* gen = r.table("generator", Presence::optional)) {
            TomlTableReader g(*gen, r.keyPath("generator"), diag());
            GeneratorConfig& generator = p.generator.emplace();
            setIf(generator.device, g.id("device", Presence::required));
            constexpr double maxLitres = 10'000'000;
            setIf(generator.dayTankLitres,
                  g.number("day_tank_l", Presence::required, 0, maxLitres));
            setIf(generator.bulkTankLitres,
                  g.number("bulk_tank_l", Presence::optional, 0, maxLitres));
            setIf(generator.burnLitresPerHourAtSiteLoad,
                  g.number("burn_l_per_h_at_site_load", Presence::required, 0.1, 100'000));
            g.finish();
        }
        r.forEachTable("ups", Presence::optional,
                       [&](TomlTableReader& u, std::size_t) { readUps(u, p.ups.emplace_back()); });
        r.finish();
    }

    void readUps(TomlTableReader& u, UpsConfig& ups) {
        setIf(ups.id, u.id("id", Presence::required));
        setIf(ups.name, u.string("name", Presence::required));
        if (auto nut = u.string("nut", Presence::required)) {
            ups.nut = *nut;
            const auto at = nut->find('@');
            const std::string_view text(*nut);
            bool ok = at != std::string::npos && at > 0;
            if (ok) {
                ups.nutUps = nut->substr(0, at);
                const std::string_view server = text.substr(at + 1);
                if (server.find(':') == std::string_view::npos) {
                    ups.nutHost = std::string(server);
                    ok = !server.empty();
                } else if (auto hostPort = parseHostPort(server)) {
                    ups.nutHost = hostPort->first;
                    ups.nutPort = hostPort->second;
                } else {
                    ok = false;
                }
            }
            if (!ok) {
                diag().error(u.keyPath("nut"), "\"" + *nut + "\" is not upsname@host[:port]");
            }
        }
        ups.device = u.id("device", Presence::optional);
        setIf(ups.batteryLowPercent, u.integer("battery_low_percent", Presence::optional, 1, 99));
    }

    void readCracUnits() {
        root_.forEachTable("crac_units", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            CracConfig& c = config_.cracUnits.emplace_back();
            setIf(c.id, r.id("id", Presence::required));
            setIf(c.name, r.string("name", Presence::required));
            setIf(c.zone, r.id("zone", Presence::required));
            setIf(c.device, r.id("device", Presence::required));
            auto supply = r.number("supply_temp_max_c", Presence::optional, 10.0, 45.0);
            auto ret = r.number("return_temp_max_c", Presence::optional, 10.0, 60.0);
            setIf(c.supplyTempMaxC, supply);
            setIf(c.returnTempMaxC, ret);
            if (c.returnTempMaxC <= c.supplyTempMaxC) {
                diag().error(r.keyPath(ret ? "return_temp_max_c" : "supply_temp_max_c"),
                             "return_temp_max_c must be above supply_temp_max_c");
            }
        });
    }

    void readSensors() {
        root_.forEachTable("sensors", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            SensorConfig& s = config_.sensors.emplace_back();
            setIf(s.id, r.id("id", Presence::required));
            setIf(s.name, r.string("name", Presence::required));
            setIf(s.zone, r.id("zone", Presence::required));
            setIf(s.device, r.id("device", Presence::required));
            setIf(s.kind, r.choice<SensorKind>("kind", Presence::required,
                                               {{"temperature", SensorKind::temperature},
                                                {"humidity", SensorKind::humidity},
                                                {"leak", SensorKind::leak}}));
            setIf(s.channel, r.integer("channel", Presence::optional, 0, 255));
            s.min = r.number("min", Presence::optional, -50.0, 150.0);
            s.max = r.number("max", Presence::optional, -50.0, 150.0);
            if (s.kind == SensorKind::leak && (s.min || s.max)) {
                diag().error(r.keyPath(s.min ? "min" : "max"),
                             "a leak sensor has no thresholds; it alarms on wet");
            }
            if (s.min && s.max && *s.max <= *s.min) {
                diag().error(r.keyPath("max"), "must be above min");
            }
        });
    }

    void readHubTimers() {
        root_.forEachTable("hub_timers", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            HubTimerConfig& h = config_.hubTimers.emplace_back();
            setIf(h.id, r.id("id", Presence::required));
            setIf(h.name, r.string("name", Presence::required));
            if (const toml::table* relay = r.table("relay", Presence::required)) {
                TomlTableReader rr(*relay, r.keyPath("relay"), diag());
                setIf(h.relay.device, rr.id("device", Presence::required));
                setIf(h.relay.coil, rr.integer("coil", Presence::required, 0, 65535));
                rr.finish();
            }
            setIf(h.schedule, r.id("schedule", Presence::required));
            setIf(h.allowOverride, r.boolean("allow_override", Presence::optional));
        });
    }

    TomlTableReader& root_;
    const std::filesystem::path& configDir_;
    SiteConfig& config_;
};

}  // namespace

void readSiteConfig(TomlTableReader& root, const std::filesystem::path& configDir,
                    SiteConfig& config) {
    SectionReader(root, configDir, config).readAll();
    root.finish();
}

}  // namespace sekimori::core
