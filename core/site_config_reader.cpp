// Reads core's tables of the site file ([site], [daemon], [[zones]], [[schedules]]) into the
// model: types, ranges, syntax of single values and unknown keys; declares zone and schedule ids.
// Relations between zones are checked afterwards (site_config_checks.cpp).
#include <algorithm>

#include "core/host_port.hpp"
#include "core/site_config_steps.hpp"

namespace sekimori::core {
namespace {

template <class Field, class Value>
void setIf(Field& field, const std::optional<Value>& value) {
    if (value) {
        field = static_cast<Field>(*value);
    }
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

class SectionReader {
  public:
    SectionReader(TomlTableReader& root, const std::filesystem::path& configDir, SiteConfig& config,
                  IdRegistry& ids)
        : root_(root), configDir_(configDir), config_(config), ids_(ids) {}

    void readAll() {
        readSite();
        readDaemon();
        readZones();
        readSchedules();
        readCalendar();
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
        std::string written(fallback);
        if (auto text = r.string(key, Presence::optional)) {
            if (text->empty()) {
                diag().error(r.keyPath(key), "must not be empty");
            } else {
                written = std::move(*text);
            }
        }
        field = resolve(config_.daemon.baseDir, written);
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
            d.consoleHost = hostPort->host;
            d.consolePort = hostPort->port;
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
            ids_.declare("zone", z.id, r.keyPath("id"), diag());
            setIf(z.name, r.string("name", Presence::required));
            setIf(z.parent, r.id("parent", Presence::optional));
            setIf(z.kind, r.choice<ZoneKind>("kind", Presence::required,
                                             {{"site", ZoneKind::site},
                                              {"building", ZoneKind::building},
                                              {"floor", ZoneKind::floor},
                                              {"management_area", ZoneKind::managementArea},
                                              {"handling_area", ZoneKind::handlingArea},
                                              {"area", ZoneKind::area}}));
            const toml::table* plan = r.table("plan", Presence::optional);
            // Which keys a plan takes depends on the kind; an unreadable kind was reported.
            if (plan != nullptr && !diag().reported(r.keyPath("kind"))) {
                z.plan = readPlan(r, *plan, z.kind == ZoneKind::floor);
            }
        });
    }

    // A floor's plan is its drawing's extent (w, h); any other zone's is its rectangle on the
    // plan of the floor it lies on (x, y, w, h; placed on the floor in site_config_checks.cpp).
    // Nothing when a value was wrong (reported).
    std::optional<PlanRect> readPlan(TomlTableReader& zone, const toml::table& table, bool floor) {
        TomlTableReader p(table, zone.keyPath("plan"), diag());
        PlanRect rect;
        bool complete = true;
        auto take = [&](std::string_view key, double& field, bool isSize) {
            auto value = p.number(key, Presence::required, 0, kMaxPlanCoordinate);
            if (value && isSize && *value <= 0) {
                diag().error(p.keyPath(key), "a plan size must be greater than 0");
                value.reset();
            }
            complete = complete && value.has_value();
            field = value.value_or(0);
        };
        if (floor) {
            for (std::string_view key : {"x", "y"}) {
                if (table.contains(key)) {
                    p.claim(key);
                    diag().error(p.keyPath(key),
                                 "a floor's plan is its extent (w, h); x and y place the zones "
                                 "drawn on it");
                    complete = false;
                }
            }
        } else {
            take("x", rect.x, false);
            take("y", rect.y, false);
        }
        take("w", rect.w, true);
        take("h", rect.h, true);
        p.finish();
        return complete ? std::optional<PlanRect>(rect) : std::nullopt;
    }

    void readSchedules() {
        root_.forEachTable("schedules", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            ScheduleConfig& s = config_.schedules.emplace_back();
            setIf(s.id, r.id("id", Presence::required));
            ids_.declare("schedule", s.id, r.keyPath("id"), diag());
            setIf(s.name, r.string("name", Presence::required));
            auto count = r.forEachTable(
                "windows", Presence::required,
                [&](TomlTableReader& w, std::size_t) { s.windows.push_back(readWindow(w)); });
            if (count && *count == 0) {
                diag().error(r.keyPath("windows"), "a schedule needs at least one window");
            }
            if (auto rule = r.choice<std::string_view>(
                    "holidays", Presence::optional,
                    {{"ignore", "ignore"}, {"closed", "closed"}, {"only", "only"}})) {
                s.holidays = std::string(*rule);
                if (s.holidays != "ignore" &&
                    root_.table("calendar", Presence::optional) == nullptr) {
                    diag().error(r.keyPath("holidays"),
                                 "a holiday rule needs a [calendar] with holidays_file");
                }
            }
        });
    }

    // "YYYY-MM-DD" naming a real day of the Gregorian calendar.
    static bool isIsoDate(std::string_view text) {
        auto digits = [&](std::size_t from, std::size_t n) {
            int value = 0;
            for (std::size_t i = from; i < from + n; ++i) {
                if (text[i] < '0' || text[i] > '9') {
                    return -1;
                }
                value = value * 10 + (text[i] - '0');
            }
            return value;
        };
        if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
            return false;
        }
        const int year = digits(0, 4);
        const int month = digits(5, 2);
        const int day = digits(8, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1) {
            return false;
        }
        const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
    }

    void readCalendar() {
        const toml::table* table = root_.table("calendar", Presence::optional);
        if (table == nullptr) {
            return;
        }
        TomlTableReader r(*table, "calendar", diag());
        CalendarConfig& calendar = config_.calendar.emplace();
        if (auto file = r.string("holidays_file", Presence::required)) {
            calendar.holidaysFile = resolve(configDir_, *file);
        }
        r.forEachTable("closures", Presence::optional, [&](TomlTableReader& c, std::size_t) {
            ClosureConfig& closure = calendar.closures.emplace_back();
            setIf(closure.name, c.string("name", Presence::required));
            if (auto from = c.string("from", Presence::required)) {
                closure.from = *from;
                if (!isIsoDate(closure.from)) {
                    diag().error(c.keyPath("from"), "expected a date \"YYYY-MM-DD\"");
                }
            }
            closure.to = closure.from;
            if (auto to = c.string("to", Presence::optional)) {
                closure.to = *to;
                if (!isIsoDate(closure.to)) {
                    diag().error(c.keyPath("to"), "expected a date \"YYYY-MM-DD\"");
                } else if (closure.to < closure.from) {
                    diag().error(c.keyPath("to"), "ends before it begins");
                }
            }
        });
        r.finish();
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

    TomlTableReader& root_;
    const std::filesystem::path& configDir_;
    SiteConfig& config_;
    IdRegistry& ids_;
};

}  // namespace

void readSiteConfig(TomlTableReader& root, const std::filesystem::path& configDir,
                    SiteConfig& config, IdRegistry& ids) {
    SectionReader(root, configDir, config, ids).readAll();
}

}  // namespace sekimori::core
