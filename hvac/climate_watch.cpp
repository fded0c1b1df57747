#include "hvac/climate_watch.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "hvac/hvac_event_types.hpp"

namespace sekimori::hvac {

namespace {

using json = nlohmann::json;

constexpr double kUsPerS = 1e6;

double seconds(core::TimeUs us) {
    return static_cast<double>(us) / kUsPerS;
}

Watch envelopeWatch(std::string id, std::string source, json about, std::string point,
                    std::string unit, std::optional<double> low, std::optional<double> high,
                    double deadband) {
    Watch w;
    w.id = std::move(id);
    w.kind = WatchKind::envelope;
    w.source = std::move(source);
    w.about = std::move(about);
    w.point = std::move(point);
    w.unit = std::move(unit);
    w.low = low;
    w.high = high;
    w.deadband = deadband;
    return w;
}

Watch bitWatch(WatchKind kind, std::string id, std::string source, json about, std::string point) {
    Watch w;
    w.id = std::move(id);
    w.kind = kind;
    w.source = std::move(source);
    w.about = std::move(about);
    w.point = std::move(point);
    return w;
}

}  // namespace

std::string sensorPoint(const SensorConfig& sensor) {
    std::string point = sensor.device;
    switch (sensor.kind) {
        case SensorKind::temperature:
            return point.append(".temp");
        case SensorKind::humidity:
            return point.append(".humidity");
        case SensorKind::leak:
            return point.append(".leak");
    }
    return point;
}

std::string cracPoint(const CracConfig& crac, std::string_view point) {
    return std::string(crac.device).append(".").append(point);
}

ClimateWatchConfig climateWatchConfig(const HvacConfig& config) {
    const ClimateSettings& s = config.climate;
    ClimateWatchConfig out;
    out.alarmDelayUs = static_cast<core::TimeUs>(s.alarmDelayS) * 1'000'000;
    out.restoreDelayUs = static_cast<core::TimeUs>(s.restoreDelayS) * 1'000'000;
    out.rateLimit = s.rateLimitC;
    out.rateWindowUs = static_cast<core::TimeUs>(s.rateWindowS) * 1'000'000;
    out.powerWindowUs = static_cast<core::TimeUs>(s.powerWindowS) * 1'000'000;
    for (const auto& crac : config.cracUnits) {
        const json about{{"crac", crac.id}, {"zone", crac.zone}};
        const std::string source = "crac:" + crac.id;
        out.watches.push_back(
            bitWatch(WatchKind::cracRunning, crac.id, source, about, cracPoint(crac, "running")));
        out.watches.push_back(
            bitWatch(WatchKind::cracAlarm, crac.id, source, about, cracPoint(crac, "alarm")));
        for (const auto& [name, max] :
             {std::pair<std::string_view, double>{"supply_temp", crac.supplyTempMaxC},
              {"return_temp", crac.returnTempMaxC}}) {
            out.watches.push_back(envelopeWatch(std::string(crac.id).append(".").append(name),
                                                source, about, cracPoint(crac, name), "degC",
                                                std::nullopt, max, s.deadbandC));
        }
    }
    std::map<std::string, const SensorConfig*> temperature;  // by zone: the first of each
    std::map<std::string, const SensorConfig*> humidity;
    std::vector<std::string> zones;  // in the order their first sensor appears
    for (const auto& sensor : config.sensors) {
        const json about{{"sensor", sensor.id}, {"zone", sensor.zone}};
        const std::string source = "sensor:" + sensor.id;
        const std::string point = sensorPoint(sensor);
        switch (sensor.kind) {
            case SensorKind::leak:
                out.watches.push_back(bitWatch(WatchKind::leak, sensor.id, source, about, point));
                break;
            case SensorKind::temperature:
            case SensorKind::humidity: {
                const bool temp = sensor.kind == SensorKind::temperature;
                if (sensor.min || sensor.max) {
                    out.watches.push_back(envelopeWatch(sensor.id, source, about, point,
                                                        temp ? "degC" : "%", sensor.min, sensor.max,
                                                        temp ? s.deadbandC : s.deadbandRh));
                }
                if (temp) {
                    Watch rate = bitWatch(WatchKind::rate, sensor.id, source, about, point);
                    rate.unit = "degC";
                    rate.deadband = s.deadbandC;
                    out.watches.push_back(std::move(rate));
                }
                auto& first = temp ? temperature : humidity;
                first.emplace(sensor.zone, &sensor);
                if (std::find(zones.begin(), zones.end(), sensor.zone) == zones.end()) {
                    zones.push_back(sensor.zone);
                }
                break;
            }
        }
    }
    for (const auto& zone : zones) {
        auto t = temperature.find(zone);
        auto h = humidity.find(zone);
        if (t == temperature.end() || h == humidity.end()) {
            continue;
        }
        Watch dew = envelopeWatch(zone + ".dew_point", "zone:" + zone,
                                  json{{"zone", zone},
                                       {"temperature_sensor", t->second->id},
                                       {"humidity_sensor", h->second->id}},
                                  sensorPoint(*t->second), "degC", s.dewPointMinC, s.dewPointMaxC,
                                  s.deadbandC);
        dew.kind = WatchKind::dewPoint;
        dew.humidityPoint = sensorPoint(*h->second);
        out.watches.push_back(std::move(dew));
    }
    return out;
}

std::optional<double> dewPointC(double temperatureC, double humidityPercent) {
    if (!(humidityPercent > 0) || !std::isfinite(temperatureC)) {
        return std::nullopt;
    }
    constexpr double b = 17.62;
    constexpr double c = 243.12;
    const double gamma =
        std::log(std::min(humidityPercent, 100.0) / 100.0) + b * temperatureC / (c + temperatureC);
    return c * gamma / (b - gamma);
}

ClimateWatch::ClimateWatch(ClimateWatchConfig config)
    : config_(std::move(config)), states_(config_.watches.size()) {}

void ClimateWatch::powerEvent(std::uint64_t seq, std::string type, core::TimeUs timeUs) {
    lastPower_ = PowerEvent{seq, std::move(type), timeUs};
}

std::vector<ClimateEvent> ClimateWatch::evaluate(const ReadPoint& read, core::TimeUs nowUs) {
    std::vector<ClimateEvent> out;
    for (std::size_t i = 0; i < config_.watches.size(); ++i) {
        step(config_.watches[i], states_[i], read, nowUs, out);
    }
    return out;
}

void ClimateWatch::step(const Watch& watch, State& state, const ReadPoint& read, core::TimeUs nowUs,
                        std::vector<ClimateEvent>& out) {
    const PointReading reading = read(watch.point);
    const bool good = reading.good && reading.value.has_value();
    switch (watch.kind) {
        case WatchKind::envelope:
            if (!good) {
                state.pendingSinceUs.reset();  // a delay counts good data only
                state.restoreSinceUs.reset();
                return;
            }
            stepEnvelope(watch, state, *reading.value, nowUs,
                         json{{"point", watch.point}, {"unit", watch.unit}},
                         kHvacEnvelopeExceeded.name, kHvacEnvelopeRestored.name, out);
            return;
        case WatchKind::dewPoint: {
            const PointReading rh = read(watch.humidityPoint);
            std::optional<double> dew;
            if (good && rh.good && rh.value) {
                dew = dewPointC(*reading.value, *rh.value);
            }
            if (dew) {
                state.dew = DewPoint{dew, true};
            } else {
                state.dew.good = false;
                state.pendingSinceUs.reset();
                state.restoreSinceUs.reset();
                return;
            }
            stepEnvelope(
                watch, state, *dew, nowUs,
                json{{"temperature", *reading.value}, {"humidity", *rh.value}, {"unit", "degC"}},
                kHvacDewPointExceeded.name, kHvacDewPointRestored.name, out);
            return;
        }
        case WatchKind::rate:
            stepRate(watch, state, reading, nowUs, out);
            return;
        case WatchKind::leak:
        case WatchKind::cracRunning:
        case WatchKind::cracAlarm:
            if (good) {
                stepBit(watch, state, *reading.value >= 0.5, nowUs, out);
            }
            return;
    }
}

void ClimateWatch::stepEnvelope(const Watch& watch, State& state, double value, core::TimeUs nowUs,
                                json extra, std::string_view raiseType,
                                std::string_view restoreType, std::vector<ClimateEvent>& out) {
    const auto limitOf = [&](const std::string& bound) {
        return bound == "low" ? *watch.low : *watch.high;
    };
    json fields = std::move(extra);
    fields["value"] = value;
    fields["low"] = watch.low ? json(*watch.low) : json(nullptr);
    fields["high"] = watch.high ? json(*watch.high) : json(nullptr);
    if (!state.active) {
        std::string bound;
        if (watch.low && value < *watch.low) {
            bound = "low";
        } else if (watch.high && value > *watch.high) {
            bound = "high";
        }
        if (bound.empty()) {
            state.pendingSinceUs.reset();
            state.bound.clear();
            return;
        }
        if (!state.pendingSinceUs || state.bound != bound) {
            state.pendingSinceUs = nowUs;
            state.bound = bound;
        }
        const core::TimeUs held = nowUs - *state.pendingSinceUs;
        if (held < config_.alarmDelayUs) {
            return;
        }
        fields["bound"] = bound;
        fields["limit"] = limitOf(bound);
        fields["held_s"] = seconds(held);
        state.pendingSinceUs.reset();
        emit(watch, state, raiseType, true, std::move(fields), nowUs, out);
        return;
    }
    const bool inside = (!watch.low || value >= *watch.low + watch.deadband) &&
                        (!watch.high || value <= *watch.high - watch.deadband);
    if (!inside) {
        state.restoreSinceUs.reset();
        return;
    }
    if (!state.restoreSinceUs) {
        state.restoreSinceUs = nowUs;
    }
    if (nowUs - *state.restoreSinceUs < config_.restoreDelayUs) {
        return;
    }
    fields["bound"] = state.bound;
    fields["limit"] = limitOf(state.bound);
    fields["out_s"] = seconds(nowUs - state.condition.sinceUs);
    state.restoreSinceUs.reset();
    state.bound.clear();
    emit(watch, state, restoreType, false, std::move(fields), nowUs, out);
}

void ClimateWatch::stepRate(const Watch& watch, State& state, const PointReading& reading,
                            core::TimeUs nowUs, std::vector<ClimateEvent>& out) {
    auto& history = state.history;
    if (reading.good && reading.value &&
        (history.empty() || reading.timeUs > history.back().first)) {
        history.emplace_back(reading.timeUs, *reading.value);
    }
    while (!history.empty() && history.front().first < nowUs - config_.rateWindowUs) {
        history.pop_front();
    }
    if (!reading.good || history.empty()) {
        return;  // a point that is not good raises and clears nothing
    }
    auto [lo, hi] =
        std::minmax_element(history.begin(), history.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; });
    const double change = hi->second - lo->second;
    json fields{{"point", watch.point},
                {"unit", watch.unit},
                {"value", history.back().second},
                {"change", change},
                {"min", lo->second},
                {"max", hi->second},
                {"direction", hi->first >= lo->first ? "rising" : "falling"},
                {"limit", config_.rateLimit},
                {"window_s", seconds(config_.rateWindowUs)}};
    if (!state.active && change > config_.rateLimit) {
        emit(watch, state, kHvacRateExceeded.name, true, std::move(fields), nowUs, out);
    } else if (state.active && change <= config_.rateLimit - watch.deadband) {
        emit(watch, state, kHvacRateNormal.name, false, std::move(fields), nowUs, out);
    }
}

void ClimateWatch::stepBit(const Watch& watch, State& state, bool on, core::TimeUs nowUs,
                           std::vector<ClimateEvent>& out) {
    state.lastBit = on;
    const bool bad = watch.kind == WatchKind::cracRunning ? !on : on;
    if (bad == state.active) {
        return;
    }
    std::string_view type;
    switch (watch.kind) {
        case WatchKind::leak:
            type = bad ? kHvacLeakDetected.name : kHvacLeakCleared.name;
            break;
        case WatchKind::cracRunning:
            type = bad ? kHvacCracStopped.name : kHvacCracRunning.name;
            break;
        default:
            type = bad ? kHvacCracAlarm.name : kHvacCracAlarmCleared.name;
            break;
    }
    json fields{{"point", watch.point}};
    if (!bad) {
        fields["out_s"] = seconds(nowUs - state.condition.sinceUs);
    }
    emit(watch, state, type, bad, std::move(fields), nowUs, out);
}

void ClimateWatch::emit(const Watch& watch, State& state, std::string_view type, bool raises,
                        json fields, core::TimeUs nowUs, std::vector<ClimateEvent>& out) const {
    json payload = watch.about;
    payload["watch"] = watch.id;
    payload.update(fields);
    if (lastPower_ && nowUs >= lastPower_->timeUs &&
        nowUs - lastPower_->timeUs <= config_.powerWindowUs) {
        payload["after_power_event"] = json{{"seq", lastPower_->seq},
                                            {"type", lastPower_->type},
                                            {"ago_s", seconds(nowUs - lastPower_->timeUs)}};
    }
    if (raises) {
        state.active = true;
        state.condition = ActiveCondition{watch.id, std::string(type), nowUs, payload};
    } else {
        state.active = false;
        state.condition = ActiveCondition{};
    }
    out.push_back(ClimateEvent{std::string(type), watch.source, std::move(payload)});
}

core::TimeUs ClimateWatch::nextDeadlineUs() const {
    core::TimeUs next = kNoDeadline;
    for (std::size_t i = 0; i < states_.size(); ++i) {
        const State& s = states_[i];
        if (s.pendingSinceUs) {
            next = std::min(next, *s.pendingSinceUs + config_.alarmDelayUs);
        }
        if (s.restoreSinceUs) {
            next = std::min(next, *s.restoreSinceUs + config_.restoreDelayUs);
        }
        if (config_.watches[i].kind == WatchKind::rate && s.active && !s.history.empty()) {
            next = std::min(next, s.history.front().first + config_.rateWindowUs + 1);
        }
    }
    return next;
}

std::vector<ActiveCondition> ClimateWatch::active() const {
    std::vector<ActiveCondition> out;
    for (const State& s : states_) {
        if (s.active) {
            out.push_back(s.condition);
        }
    }
    return out;
}

const ActiveCondition* ClimateWatch::activeFor(std::string_view watch,
                                               std::string_view type) const {
    for (const State& s : states_) {
        if (s.active && s.condition.watch == watch && s.condition.type == type) {
            return &s.condition;
        }
    }
    return nullptr;
}

ClimateWatch::DewPoint ClimateWatch::dewPoint(std::string_view watch) const {
    for (std::size_t i = 0; i < states_.size(); ++i) {
        if (config_.watches[i].kind == WatchKind::dewPoint && config_.watches[i].id == watch) {
            return states_[i].dew;
        }
    }
    return {};
}

}  // namespace sekimori::hvac
