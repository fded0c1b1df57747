#include "hvac/hvac_views.hpp"

#include <charconv>

#include "hvac/hvac_event_types.hpp"

namespace sekimori::hvac {

namespace {

using json = nlohmann::json;
using core::TelemetryQuality;

// failed is worse than stale, stale worse than good.
TelemetryQuality worse(TelemetryQuality a, TelemetryQuality b) {
    const auto rank = [](TelemetryQuality q) {
        return q == TelemetryQuality::good ? 0 : (q == TelemetryQuality::stale ? 1 : 2);
    };
    return rank(a) >= rank(b) ? a : b;
}

json valueOf(const core::TelemetryPoint* point) {
    if (point == nullptr || !point->value()) {
        return nullptr;
    }
    return *point->value();
}

json bitOf(const core::TelemetryPoint* point) {
    if (point == nullptr || !point->value()) {
        return nullptr;
    }
    return *point->value() >= 0.5;
}

json optional(const std::optional<double>& v) {
    return v ? json(*v) : json(nullptr);
}

core::Result<core::TimeUs> timeParam(const std::map<std::string, std::string>& query,
                                     const std::string& key, core::TimeUs fallback) {
    auto it = query.find(key);
    if (it == query.end()) {
        return fallback;
    }
    core::TimeUs value = 0;
    const char* end = it->second.data() + it->second.size();
    auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
    if (ec != std::errc() || ptr != end || value < 0) {
        return core::makeError("hvac.bad_query",
                               key + ": \"" + it->second + "\" is not a time in UTC microseconds");
    }
    return value;
}

}  // namespace

json hvacJson(const HvacConfig& config, const core::TelemetryRegistry& registry,
              const ClimateWatch& watch) {
    json cracs = json::array();
    for (const auto& crac : config.cracUnits) {
        TelemetryQuality quality = TelemetryQuality::good;
        for (const char* p :
             {"running", "alarm", "supply_temp", "return_temp", "return_humidity", "fan_speed"}) {
            const auto* point = registry.find(cracPoint(crac, p));
            quality = worse(quality, point != nullptr ? point->quality() : TelemetryQuality::stale);
        }
        cracs.push_back(
            {{"id", crac.id},
             {"name", crac.name},
             {"zone", crac.zone},
             {"device", crac.device},
             {"running", bitOf(registry.find(cracPoint(crac, "running")))},
             {"alarm", bitOf(registry.find(cracPoint(crac, "alarm")))},
             {"supply_temp", valueOf(registry.find(cracPoint(crac, "supply_temp")))},
             {"return_temp", valueOf(registry.find(cracPoint(crac, "return_temp")))},
             {"return_humidity", valueOf(registry.find(cracPoint(crac, "return_humidity")))},
             {"fan_speed", valueOf(registry.find(cracPoint(crac, "fan_speed")))},
             {"supply_temp_max", crac.supplyTempMaxC},
             {"return_temp_max", crac.returnTempMaxC},
             {"quality", toString(quality)}});
    }
    json sensors = json::array();
    for (const auto& sensor : config.sensors) {
        const auto* point = registry.find(sensorPoint(sensor));
        std::string alarm = "none";
        if (watch.activeFor(sensor.id, kHvacLeakDetected.name) != nullptr) {
            alarm = "leak";
        } else if (const auto* c = watch.activeFor(sensor.id, kHvacEnvelopeExceeded.name)) {
            alarm = c->payload.value("bound", "high");
        }
        sensors.push_back(
            {{"id", sensor.id},
             {"name", sensor.name},
             {"zone", sensor.zone},
             {"kind", sensorKindName(sensor.kind)},
             {"point", sensorPoint(sensor)},
             {"value", sensor.kind == SensorKind::leak ? bitOf(point) : valueOf(point)},
             {"unit", sensor.kind == SensorKind::temperature
                          ? "degC"
                          : (sensor.kind == SensorKind::humidity ? "%" : "")},
             {"quality", toString(point != nullptr ? point->quality() : TelemetryQuality::stale)},
             {"time_us", point != nullptr ? point->valueTimeUs() : 0},
             {"min", optional(sensor.min)},
             {"max", optional(sensor.max)},
             {"alarm", alarm}});
    }
    json dewPoints = json::array();
    std::set<std::string> outPoints;  // read by an active envelope condition
    for (const auto& w : watch.config().watches) {
        if (w.kind == WatchKind::dewPoint) {
            const auto dew = watch.dewPoint(w.id);
            dewPoints.push_back(
                {{"zone", w.about.value("zone", "")},
                 {"value", optional(dew.value)},
                 {"quality", dew.good ? "good" : "stale"},
                 {"low", optional(w.low)},
                 {"high", optional(w.high)},
                 {"alarm", watch.activeFor(w.id, kHvacDewPointExceeded.name) != nullptr}});
        }
        if (w.kind == WatchKind::envelope &&
            watch.activeFor(w.id, kHvacEnvelopeExceeded.name) != nullptr) {
            outPoints.insert(w.point);
        }
    }
    json alarms = json::array();
    for (const auto& c : watch.active()) {
        alarms.push_back({{"watch", c.watch},
                          {"type", c.type},
                          {"since_us", c.sinceUs},
                          {"payload", c.payload}});
    }
    json points = json::array();
    for (const auto& r : registry.readings()) {
        points.push_back({{"point", r.point},
                          {"unit", r.unit},
                          {"value", optional(r.value)},
                          {"time_us", r.timeUs},
                          {"quality", toString(r.quality)},
                          {"errors", r.errors},
                          {"out_of_envelope", r.outOfEnvelope || outPoints.contains(r.point)}});
    }
    return json{{"cracs", std::move(cracs)},
                {"sensors", std::move(sensors)},
                {"dew_point", dewPoints.empty() ? json(nullptr) : dewPoints.front()},
                {"dew_points", dewPoints},
                {"alarms", std::move(alarms)},
                {"points", std::move(points)}};
}

core::Result<core::TelemetryQuery> parseTrendQuery(const std::map<std::string, std::string>& query,
                                                   const std::set<std::string>& points,
                                                   core::TimeUs nowUs) {
    for (const auto& [key, value] : query) {
        if (key != "point" && key != "from_us" && key != "to_us" && key != "resolution") {
            return core::makeError("hvac.bad_query",
                                   key + ": unknown parameter (point, from_us, to_us, resolution)");
        }
    }
    auto point = query.find("point");
    if (point == query.end() || point->second.empty()) {
        return core::makeError("hvac.bad_query", "point: required (a point of GET /api/hvac)");
    }
    if (!points.contains(point->second)) {
        return core::makeError("hvac.bad_query",
                               "point: \"" + point->second + "\" is not an hvac point");
    }
    auto to = timeParam(query, "to_us", nowUs);
    if (!to) {
        return to.error();
    }
    auto from =
        timeParam(query, "from_us", std::max<core::TimeUs>(0, *to - core::kTelemetryHourUs));
    if (!from) {
        return from.error();
    }
    if (*from >= *to) {
        return core::makeError("hvac.bad_query", "from_us must be before to_us");
    }
    core::TelemetryQuery q;
    q.point = point->second;
    q.fromUs = *from;
    q.toUs = *to;
    if (auto r = query.find("resolution"); r != query.end()) {
        bool found = false;
        for (auto res : {core::TelemetryResolution::raw, core::TelemetryResolution::minute,
                         core::TelemetryResolution::hour, core::TelemetryResolution::automatic}) {
            if (toString(res) == r->second) {
                q.resolution = res;
                found = true;
            }
        }
        if (!found) {
            return core::makeError(
                "hvac.bad_query",
                "resolution: \"" + r->second + "\" is not one of raw, minute, hour, automatic");
        }
    }
    return q;
}

json trendJson(const core::TelemetrySeries& series) {
    json buckets = json::array();
    for (const auto& b : series.buckets) {
        buckets.push_back(json::array({b.timeUs, b.min, b.max, b.avg}));
    }
    return json{{"point", series.point},
                {"unit", series.unit},
                {"resolution", toString(series.resolution)},
                {"buckets", std::move(buckets)},
                {"truncated", series.truncated}};
}

}  // namespace sekimori::hvac
