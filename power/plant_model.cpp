#include "power/plant_model.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "power/fuel_endurance.hpp"
#include "power/power_event_types.hpp"

namespace sekimori::power {
namespace {

using core::TelemetryQuality;
using core::TimeUs;
using nlohmann::json;

// docs/modbus/generator.md engine_state.
constexpr int kStopped = 0;
constexpr int kCranking = 1;
constexpr int kWarming = 2;
constexpr int kOffLoad = 3;
constexpr int kOnLoad = 4;
constexpr int kCooling = 5;
constexpr int kFault = 6;
std::string_view stateName(int code) {
    switch (code) {
        case kStopped:
            return "stopped";
        case kCranking:
            return "cranking";
        case kWarming:
            return "warming";
        case kOffLoad:
            return "off_load";
        case kOnLoad:
            return "on_load";
        case kCooling:
            return "cooling";
        default:
            return "fault";
    }
}

std::optional<int> stateCode(std::string_view name) {
    for (int code = kStopped; code <= kFault; ++code) {
        if (stateName(code) == name) {
            return code;
        }
    }
    return std::nullopt;
}

int rank(TelemetryQuality q) {
    return q == TelemetryQuality::good ? 0 : (q == TelemetryQuality::stale ? 1 : 2);
}

TelemetryQuality worst(std::initializer_list<TelemetryQuality> qualities) {
    TelemetryQuality out = TelemetryQuality::good;
    for (const auto q : qualities) {
        if (rank(q) > rank(out)) {
            out = q;
        }
    }
    return out;
}

// One point as read now: its value only when good.
struct Reading {
    std::optional<double> value;
    TelemetryQuality quality = TelemetryQuality::stale;

    std::optional<bool> flag() const {
        if (!value) {
            return std::nullopt;
        }
        return *value >= 0.5;
    }
};

Reading read(const core::TelemetryRegistry& registry, const std::string& id) {
    const core::TelemetryPoint* point = registry.find(id);
    Reading r;
    if (point == nullptr) {
        return r;  // never declared: as good as never read
    }
    r.quality = point->quality();
    if (r.quality == TelemetryQuality::good && point->value() && std::isfinite(*point->value())) {
        r.value = point->value();
    } else if (r.quality == TelemetryQuality::good) {
        r.quality = TelemetryQuality::stale;
    }
    return r;
}

std::string point(const std::string& device, std::string_view name) {
    return std::string(device).append(".").append(name);
}

double round1(double v) {
    return std::round(v * 10.0) / 10.0;
}

json number(const std::optional<double>& v) {
    return v ? json(round1(*v)) : json(nullptr);
}

json flag(const std::optional<bool>& v) {
    return v ? json(*v) : json(nullptr);
}

std::string_view sideName(std::optional<AtsSide> side) {
    return side ? toString(*side) : std::string_view();
}

core::Event makeEvent(TimeUs nowUs, core::EventType type, const std::string& id,
                      const json& payload) {
    core::Event e;
    e.timeUs = nowUs;
    e.type = std::string(type.name);
    e.source = std::string("power:").append(id);
    e.payload = payload.dump();
    return e;
}

TimeUs elapsedMs(TimeUs fromUs, TimeUs toUs) {
    return std::max<TimeUs>(0, (toUs - fromUs) / 1000);
}

}  // namespace

template <class T>
bool PlantModel::Debounced<T>::observe(const std::optional<T>& raw, TimeUs nowUs, TimeUs delayUs) {
    if (!raw) {
        candidate.reset();
        return false;
    }
    if (committed && *committed == *raw) {
        candidate.reset();
        return false;
    }
    if (!candidate || *candidate != *raw) {
        candidate = raw;
        sinceUs = nowUs;
    }
    if (nowUs - sinceUs >= delayUs) {
        committed = raw;
        candidate.reset();
        return true;
    }
    return false;
}

template struct PlantModel::Debounced<bool>;

enum class SwitchPosition { a, b, transferring, fault, unknown };

std::string_view toString(SwitchPosition p) {
    switch (p) {
        case SwitchPosition::a:
            return "a";
        case SwitchPosition::b:
            return "b";
        case SwitchPosition::transferring:
            return "transferring";
        case SwitchPosition::fault:
            return "fault";
        case SwitchPosition::unknown:
            break;
    }
    return "unknown";
}

struct PlantModel::Observation {
    struct Feed {
        Reading volts;
        Reading power;
        std::optional<bool> meterLive;  // the meter's verdict
        std::optional<bool> atsAvailable;
        std::optional<bool> disagreement;  // absent: nothing to compare
        std::optional<bool> live;          // absent: unknown (not good, or a disagreement)
    };
    std::vector<Feed> feeds;
    SwitchPosition position = SwitchPosition::unknown;
    std::string faultReason;
    std::optional<bool> onA, onB, transferring;
    TelemetryQuality atsQuality = TelemetryQuality::stale;
    std::optional<int> engineState;
    Reading generatorPower;
    Reading fuelLevel;
    TelemetryQuality generatorQuality = TelemetryQuality::stale;
    struct Ups {
        std::optional<bool> onBattery;
        Reading charge;
        Reading runtime;
        std::optional<bool> lowFlag;
        TelemetryQuality quality = TelemetryQuality::stale;
    };
    std::vector<Ups> ups;
    bool anyOnBattery = false;
    // Fuel, when the site has a generator.
    std::optional<double> dayLitres;
    double loadKw = 0;
    std::string loadBasis;
};

PlantModel::PlantModel(PowerPlantConfig config, PlantModelOptions options)
    : config_(std::move(config)), options_(options) {
    feeds_.resize(config_.feeds.size());
    ups_.resize(config_.ups.size());
    if (config_.generator) {
        bulkLitres_ = config_.generator->bulkTankLitres;
    }
}

std::vector<std::string> PlantModel::pointIds() const {
    std::vector<std::string> ids;
    for (const auto& feed : config_.feeds) {
        ids.push_back(point(feed.meter, "voltage_ln_avg"));
        ids.push_back(point(feed.meter, "power"));
    }
    if (config_.ats) {
        for (const char* name :
             {"source_a_available", "source_b_available", "on_a", "on_b", "transferring"}) {
            ids.push_back(point(*config_.ats, name));
        }
    }
    if (config_.generator) {
        for (const char* name : {"engine_state", "power", "fuel_level"}) {
            ids.push_back(point(config_.generator->device, name));
        }
    }
    for (const auto& ups : config_.ups) {
        for (const char* name :
             {"on_battery", "battery_charge", "battery_runtime", "low_battery"}) {
            ids.push_back(point(ups.id, name));
        }
    }
    return ids;
}

PlantModel::Observation PlantModel::observe(const core::TelemetryRegistry& registry) const {
    Observation o;
    // The generator first: the switch's side it backs is available while it runs.
    if (config_.generator) {
        const std::string& dev = config_.generator->device;
        const Reading state = read(registry, point(dev, "engine_state"));
        if (state.value) {
            const double code = std::round(*state.value);
            if (code >= kStopped && code <= kFault) {
                o.engineState = static_cast<int>(code);
            }
        }
        o.generatorPower = read(registry, point(dev, "power"));
        o.fuelLevel = read(registry, point(dev, "fuel_level"));
        o.generatorQuality = worst({state.quality, o.generatorPower.quality, o.fuelLevel.quality});
        if (state.value && !o.engineState) {
            o.generatorQuality = TelemetryQuality::failed;  // a state the profile does not know
        }
    }
    std::optional<bool> available[2];
    if (config_.ats) {
        const std::string& ats = *config_.ats;
        available[0] = read(registry, point(ats, "source_a_available")).flag();
        available[1] = read(registry, point(ats, "source_b_available")).flag();
        const Reading onA = read(registry, point(ats, "on_a"));
        const Reading onB = read(registry, point(ats, "on_b"));
        const Reading moving = read(registry, point(ats, "transferring"));
        o.onA = onA.flag();
        o.onB = onB.flag();
        o.transferring = moving.flag();
        o.atsQuality = worst({onA.quality, onB.quality, moving.quality});
        if (!o.onA || !o.onB || !o.transferring) {
            o.position = SwitchPosition::unknown;
        } else if (*o.transferring) {
            o.position = SwitchPosition::transferring;
        } else if (*o.onA != *o.onB) {
            o.position = *o.onA ? SwitchPosition::a : SwitchPosition::b;
        } else {
            o.position = SwitchPosition::fault;
            o.faultReason = *o.onA ? "both_contacts" : "no_contact";
        }
    }
    // A plain flag and value rather than an optional: GCC 12 -O3 warns (maybe-uninitialized)
    // on comparing two optionals here.
    const bool hasGeneratorSide = config_.generator && config_.generator->atsSide.has_value();
    const AtsSide generatorSide = hasGeneratorSide ? *config_.generator->atsSide : AtsSide::b;
    for (std::size_t i = 0; i < config_.feeds.size(); ++i) {
        const FeedConfig& cfg = config_.feeds[i];
        Observation::Feed f;
        f.volts = read(registry, point(cfg.meter, "voltage_ln_avg"));
        f.power = read(registry, point(cfg.meter, "power"));
        if (f.volts.value) {
            f.meterLive = *f.volts.value >= options_.liveVoltageFraction * cfg.nominalVolts;
        }
        std::optional<AtsSide> side;
        if (config_.ats && config_.atsSources.a == cfg.id) {
            side = AtsSide::a;
        } else if (config_.ats && config_.atsSources.b == cfg.id) {
            side = AtsSide::b;
        }
        if (side) {
            f.atsAvailable = available[*side == AtsSide::a ? 0 : 1];
        }
        // What the switch should see on this feed's side if the meter is right. With the
        // generator behind the same side, the side is live while it runs; warming up and
        // cooling down may or may not show, so they are not compared.
        std::optional<bool> expected;
        if (f.meterLive && *f.meterLive) {
            expected = true;
        } else if (f.meterLive) {
            if (side && hasGeneratorSide && generatorSide == *side) {
                if (o.engineState && (*o.engineState == kOffLoad || *o.engineState == kOnLoad)) {
                    expected = true;
                } else if (o.engineState &&
                           (*o.engineState == kStopped || *o.engineState == kCranking ||
                            *o.engineState == kFault)) {
                    expected = false;
                }
            } else {
                expected = false;
            }
        }
        if (expected && f.atsAvailable) {
            f.disagreement = *expected != *f.atsAvailable;
        }
        if (f.meterLive && !(f.disagreement && *f.disagreement)) {
            f.live = f.meterLive;
        }
        o.feeds.push_back(f);
    }
    for (const auto& cfg : config_.ups) {
        Observation::Ups u;
        const Reading onBattery = read(registry, point(cfg.id, "on_battery"));
        const Reading low = read(registry, point(cfg.id, "low_battery"));
        u.onBattery = onBattery.flag();
        u.charge = read(registry, point(cfg.id, "battery_charge"));
        u.runtime = read(registry, point(cfg.id, "battery_runtime"));
        u.lowFlag = low.flag();
        u.quality = worst({onBattery.quality, u.charge.quality, u.runtime.quality});
        o.anyOnBattery = o.anyOnBattery || (u.onBattery && *u.onBattery);
        o.ups.push_back(u);
    }
    if (config_.generator) {
        if (o.fuelLevel.value) {
            o.dayLitres = std::clamp(*o.fuelLevel.value, 0.0, 100.0) / 100.0 *
                          config_.generator->dayTankLitres;
        }
        // The load the fuel must carry: the generator's own output while it carries the load,
        // else what the feeds' meters measure, else the design load.
        bool allFeedsMeasured = !o.feeds.empty();
        double feedsKw = 0;
        for (const auto& f : o.feeds) {
            allFeedsMeasured = allFeedsMeasured && f.power.value.has_value();
            feedsKw += f.power.value.value_or(0.0);
        }
        if (o.engineState == kOnLoad && o.generatorPower.value) {
            o.loadKw = std::max(*o.generatorPower.value, 0.0);
            o.loadBasis = "generator";
        } else if (o.engineState != kOnLoad && allFeedsMeasured) {
            o.loadKw = std::max(feedsKw, 0.0);
            o.loadBasis = "feeds";
        } else {
            o.loadKw = config_.generator->siteLoadKw;
            o.loadBasis = "design";
        }
    }
    return o;
}

// The feed's state for deciding who carries the load: unknown while its reading is, else the
// debounced state (the reading itself until a first state is committed).
std::optional<bool> PlantModel::feedLive(const Observation& o, std::size_t feed) const {
    const auto& raw = o.feeds[feed].live;
    if (!raw) {
        return std::nullopt;
    }
    return feeds_[feed].live.committed ? feeds_[feed].live.committed : raw;
}

// Who carries the load through the switch: a feed id, "generator", "none", or absent (unknown).
std::optional<std::string> PlantModel::carrier(const Observation& o) const {
    const auto generatorOnLoad = [&]() -> std::optional<bool> {
        if (!config_.generator || !o.engineState) {
            return config_.generator ? std::nullopt : std::optional<bool>(false);
        }
        return *o.engineState == kOnLoad;
    };
    const auto feedIndex = [&](const std::optional<std::string>& id) -> std::optional<std::size_t> {
        for (std::size_t i = 0; id && i < config_.feeds.size(); ++i) {
            if (config_.feeds[i].id == *id) {
                return i;
            }
        }
        return std::nullopt;
    };
    if (!config_.ats) {
        bool unknown = false;
        for (std::size_t i = 0; i < config_.feeds.size(); ++i) {
            const auto live = feedLive(o, i);
            if (live && *live) {
                return config_.feeds[i].id;
            }
            unknown = unknown || !live;
        }
        const auto gen = generatorOnLoad();
        if (gen && *gen) {
            return std::string("generator");
        }
        if (unknown || !gen) {
            return std::nullopt;
        }
        return std::string("none");
    }
    if (o.position == SwitchPosition::transferring) {
        return std::string("none");
    }
    if (o.position != SwitchPosition::a && o.position != SwitchPosition::b) {
        return std::nullopt;
    }
    const AtsSide side = o.position == SwitchPosition::a ? AtsSide::a : AtsSide::b;
    const auto feed = feedIndex(side == AtsSide::a ? config_.atsSources.a : config_.atsSources.b);
    if (feed) {
        const auto live = feedLive(o, *feed);
        if (!live) {
            return std::nullopt;
        }
        if (*live) {
            return config_.feeds[*feed].id;
        }
    }
    if (config_.generator && config_.generator->atsSide == side) {
        const auto gen = generatorOnLoad();
        if (!gen) {
            return std::nullopt;
        }
        if (*gen) {
            return std::string("generator");
        }
    }
    return std::string("none");
}

std::string PlantModel::transferSource() const {
    return config_.ats ? *config_.ats : std::string("plant");
}

std::vector<core::Event> PlantModel::evaluate(const core::TelemetryRegistry& registry,
                                              TimeUs nowUs) {
    started_ = true;
    const Observation o = observe(registry);
    std::vector<core::Event> out;
    evaluateFeeds(o, nowUs, out);
    evaluateSwitch(o, nowUs, out);
    evaluateGenerator(o, nowUs, out);
    evaluateUps(o, nowUs, out);
    evaluateTransfer(o, nowUs, out);
    evaluateFuel(o, nowUs, out);
    return out;
}

void PlantModel::evaluateFeeds(const Observation& o, TimeUs nowUs, std::vector<core::Event>& out) {
    for (std::size_t i = 0; i < config_.feeds.size(); ++i) {
        const FeedConfig& cfg = config_.feeds[i];
        const Observation::Feed& f = o.feeds[i];
        FeedState& s = feeds_[i];
        if (f.meterLive && *f.meterLive) {
            s.lossStartUs.reset();
        } else if (f.meterLive && !s.lossStartUs) {
            s.lossStartUs = nowUs;
        }
        const std::optional<bool> before = s.disagreement.committed;
        if (s.disagreement.observe(f.disagreement, nowUs, options_.debounceUs) &&
            (*s.disagreement.committed || before)) {
            json p{{"feed", cfg.id},
                   {"meter", cfg.meter},
                   {"ats", config_.ats.value_or("")},
                   {"state", *s.disagreement.committed ? "active" : "cleared"},
                   {"meter_live", flag(f.meterLive)},
                   {"ats_available", flag(f.atsAvailable)},
                   {"voltage", number(f.volts.value)}};
            out.push_back(makeEvent(nowUs, kPowerSourceDisagreement, cfg.id, p));
        }
        // No state committed yet (first start, empty trail): a live feed is as expected, a lost
        // one is news.
        const std::optional<bool> was = s.live.committed;
        if (s.live.observe(f.live, nowUs, options_.debounceUs)) {
            const bool live = *s.live.committed;
            if (!was && live) {
                continue;
            }
            json p{{"feed", cfg.id}, {"meter", cfg.meter}, {"voltage", number(f.volts.value)}};
            if (!live && s.lossStartUs) {
                p["since_us"] = *s.lossStartUs;
            }
            out.push_back(
                makeEvent(nowUs, live ? kPowerSourceRestored : kPowerSourceLost, cfg.id, p));
        }
    }
}

void PlantModel::evaluateSwitch(const Observation& o, TimeUs nowUs, std::vector<core::Event>& out) {
    if (!config_.ats) {
        return;
    }
    if (o.position == SwitchPosition::transferring) {
        if (!transferringSinceUs_) {
            transferringSinceUs_ = nowUs;
        }
    } else if (o.position != SwitchPosition::unknown) {
        transferringSinceUs_.reset();
    }
    std::optional<bool> raw;
    std::string reason = o.faultReason;
    if (o.position == SwitchPosition::fault) {
        raw = true;
    } else if (o.position == SwitchPosition::a || o.position == SwitchPosition::b) {
        raw = false;
    } else if (o.position == SwitchPosition::transferring &&
               nowUs - *transferringSinceUs_ >= options_.transferStuckUs) {
        raw = true;
        reason = "stuck_transferring";
    }
    const std::optional<bool> was = switchFault_.committed;
    if (switchFault_.observe(raw, nowUs, options_.debounceUs) && (*switchFault_.committed || was)) {
        json p{{"ats", *config_.ats},
               {"state", *switchFault_.committed ? "active" : "cleared"},
               {"position", toString(o.position)},
               {"on_a", flag(o.onA)},
               {"on_b", flag(o.onB)},
               {"transferring", flag(o.transferring)}};
        if (*switchFault_.committed) {
            p["reason"] = reason;
        }
        out.push_back(makeEvent(nowUs, kPowerSwitchFault, *config_.ats, p));
    }
}

void PlantModel::evaluateGenerator(const Observation& o, TimeUs nowUs,
                                   std::vector<core::Event>& out) {
    if (!config_.generator || !o.engineState || o.engineState == generatorState_) {
        return;
    }
    const int state = *o.engineState;
    const std::optional<int> previous = generatorState_;
    generatorState_ = state;
    if (state == kCranking && !crankStartUs_) {
        crankStartUs_ = nowUs;
    }
    if (previous == kOnLoad) {
        leftOnLoadUs_ = nowUs;
    }
    if (!previous && state == kStopped) {
        return;  // first reading, standing by as expected
    }
    const std::string& dev = config_.generator->device;
    json p{{"generator", dev}, {"state", stateName(state)}, {"code", state}};
    if (previous) {
        p["previous"] = stateName(*previous);
    }
    if (state == kOnLoad) {
        leftOnLoadUs_.reset();
        if (crankStartUs_) {
            p["start_ms"] = elapsedMs(*crankStartUs_, nowUs);
        }
        crankStartUs_.reset();
    } else if (state == kStopped) {
        crankStartUs_.reset();
    }
    p["fuel_percent"] = number(o.fuelLevel.value);
    out.push_back(makeEvent(nowUs, kPowerGeneratorState, dev, p));
}

void PlantModel::evaluateUps(const Observation& o, TimeUs nowUs, std::vector<core::Event>& out) {
    for (std::size_t i = 0; i < config_.ups.size(); ++i) {
        const UpsConfig& cfg = config_.ups[i];
        const Observation::Ups& u = o.ups[i];
        UpsState& s = ups_[i];
        if (u.onBattery && u.onBattery != s.onBattery) {
            const std::optional<bool> was = s.onBattery;
            s.onBattery = u.onBattery;
            if (was || *u.onBattery) {
                json p{{"ups", cfg.id},
                       {"charge", number(u.charge.value)},
                       {"runtime_s", number(u.runtime.value)}};
                if (*u.onBattery) {
                    s.onBatterySinceUs = nowUs;
                } else if (s.onBatterySinceUs) {
                    p["on_battery_ms"] = elapsedMs(*s.onBatterySinceUs, nowUs);
                    s.onBatterySinceUs.reset();
                }
                out.push_back(
                    makeEvent(nowUs, *u.onBattery ? kPowerOnBattery : kPowerOffBattery, cfg.id, p));
            }
        }
        std::optional<bool> low;
        const double lowPercent = cfg.batteryLowPercent;
        if ((u.charge.value && *u.charge.value < lowPercent) || (u.lowFlag && *u.lowFlag)) {
            low = true;
        } else if (u.charge.value &&
                   *u.charge.value >= lowPercent + options_.batteryOkMarginPercent) {
            low = false;
        }
        const std::optional<bool> wasLow = s.batteryLow.committed;
        if (s.batteryLow.observe(low, nowUs, options_.debounceUs) &&
            (*s.batteryLow.committed || wasLow)) {
            json p{{"ups", cfg.id},
                   {"charge", number(u.charge.value)},
                   {"runtime_s", number(u.runtime.value)},
                   {"low_percent", cfg.batteryLowPercent},
                   {"low_battery", flag(u.lowFlag)}};
            out.push_back(makeEvent(
                nowUs, *s.batteryLow.committed ? kPowerBatteryLow : kPowerBatteryOk, cfg.id, p));
        }
    }
}

void PlantModel::evaluateTransfer(const Observation& o, TimeUs nowUs,
                                  std::vector<core::Event>& out) {
    const std::optional<std::string> now = carrier(o);
    if (!now || *now == "none") {
        if (lastCarrier_ && !leftCarrierUs_) {
            leftCarrierUs_ = nowUs;
        }
        return;
    }
    if (lastCarrier_ && *lastCarrier_ != *now) {
        // From the loss of the source that carried the load, else from when it stopped carrying
        // it (a return to the preferred feed: the switch's own travel).
        std::optional<TimeUs> lossUs;
        bool lost = false;
        if (*lastCarrier_ == "generator") {
            lossUs = leftOnLoadUs_;
            lost = o.engineState != kOnLoad;
        } else {
            for (std::size_t i = 0; i < config_.feeds.size(); ++i) {
                if (config_.feeds[i].id == *lastCarrier_) {
                    lossUs = feeds_[i].lossStartUs;
                    lost = o.feeds[i].meterLive == false || feeds_[i].live.committed == false;
                }
            }
        }
        if (!lost || !lossUs) {
            lossUs = leftCarrierUs_.value_or(nowUs);
        }
        json p{{"from", *lastCarrier_},
               {"to", *now},
               {"took_ms", elapsedMs(*lossUs, nowUs)},
               {"cause", lost ? "source_lost" : "retransfer"}};
        if (config_.ats) {
            p["ats"] = *config_.ats;
            p["position"] = toString(o.position);
        }
        out.push_back(makeEvent(nowUs, kPowerTransfer, transferSource(), p));
    }
    lastCarrier_ = now;
    leftCarrierUs_.reset();
}

void PlantModel::evaluateFuel(const Observation& o, TimeUs nowUs, std::vector<core::Event>& out) {
    if (!config_.generator || !o.dayLitres) {
        return;
    }
    const GeneratorConfig& gen = *config_.generator;
    const std::string& dev = gen.device;
    const double day = *o.dayLitres;
    // Fuel pumped from the bulk tank shows as a day-tank rise: taken off the bulk tank's book.
    if (!dayLowLitres_ || day < *dayLowLitres_) {
        dayLowLitres_ = day;
    }
    const double rise = day - *dayLowLitres_;
    if (bulkLitres_ > 0 && rise > 0 &&
        rise >= options_.fuelTransferMinPercent / 100.0 * gen.dayTankLitres) {
        const double moved = std::min(rise, bulkLitres_);
        bulkLitres_ -= moved;
        dayLowLitres_ = day;
        json p{{"generator", dev},
               {"litres", round1(moved)},
               {"bulk_l", round1(bulkLitres_)},
               {"day_l", round1(day)}};
        out.push_back(makeEvent(nowUs, kPowerFuelTransferred, dev, p));
    }
    const double litres = day + bulkLitres_;
    const FuelProjection projection = projectFuel(gen, litres, o.loadKw, 0, 1);
    const double required = config_.requiredEnduranceHours;
    std::optional<bool> low;
    if (projection.enduranceHours < required) {
        low = true;
    } else if (projection.enduranceHours >= required + options_.fuelHysteresisHours) {
        low = false;
    }
    const std::optional<bool> was = fuelLow_.committed;
    if (fuelLow_.observe(low, nowUs, options_.fuelDelayUs) && (*fuelLow_.committed || was)) {
        json p{{"generator", dev},
               {"litres", round1(litres)},
               {"endurance_h", round1(projection.enduranceHours)},
               {"required_h", required},
               {"load_kw", round1(o.loadKw)},
               {"load_basis", o.loadBasis},
               {"burn_l_per_h", round1(projection.litresPerHour)}};
        out.push_back(makeEvent(nowUs, *fuelLow_.committed ? kPowerFuelLow : kPowerFuelOk, dev, p));
    }
}

TimeUs PlantModel::nextDeadlineUs() const {
    TimeUs next = kNoDeadline;
    const auto take = [&](TimeUs t) { next = std::min(next, t); };
    for (const auto& f : feeds_) {
        take(f.live.deadlineUs(options_.debounceUs));
        take(f.disagreement.deadlineUs(options_.debounceUs));
    }
    for (const auto& u : ups_) {
        take(u.batteryLow.deadlineUs(options_.debounceUs));
    }
    take(switchFault_.deadlineUs(options_.debounceUs));
    if (transferringSinceUs_ && !switchFault_.candidate && switchFault_.committed != true) {
        take(*transferringSinceUs_ + options_.transferStuckUs);
    }
    take(fuelLow_.deadlineUs(options_.fuelDelayUs));
    return next;
}

std::vector<core::Event> PlantModel::refuelled(double litres, std::string actor, TimeUs nowUs) {
    if (!std::isfinite(litres) || litres <= 0 || litres > 1e7 || !config_.generator) {
        return {};
    }
    const GeneratorConfig& gen = *config_.generator;
    json p{{"generator", gen.device}, {"litres", round1(litres)}, {"actor", actor}};
    if (gen.bulkTankLitres > 0) {
        const double accepted = std::min(litres, gen.bulkTankLitres - bulkLitres_);
        bulkLitres_ += std::max(accepted, 0.0);
        p["tank"] = "bulk";
        p["booked_l"] = round1(std::max(accepted, 0.0));
        p["bulk_l"] = round1(bulkLitres_);
    } else {
        p["tank"] = "day";
    }
    core::Event e = makeEvent(nowUs, kPowerRefuelled, gen.device, p);
    e.subject = std::move(actor);
    return {e};
}

void PlantModel::apply(const core::RecordedEvent& recorded) {
    if (recorded.body) {
        applyParsed(recorded.event, *recorded.body);
    } else {
        apply(recorded.event);
    }
}

void PlantModel::apply(const core::Event& event) {
    if (started_ || event.type.rfind("power.", 0) != 0) {
        return;
    }
    applyParsed(event, json::parse(event.payload, nullptr, false));
}

void PlantModel::applyParsed(const core::Event& event, const json& p) {
    if (started_ || event.type.rfind("power.", 0) != 0 || !p.is_object()) {
        return;
    }
    const auto text = [&](const char* key) -> std::string {
        const auto it = p.find(key);
        return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const auto feedIndex = [&]() -> std::optional<std::size_t> {
        const std::string id = text("feed");
        for (std::size_t i = 0; i < config_.feeds.size(); ++i) {
            if (config_.feeds[i].id == id) {
                return i;
            }
        }
        return std::nullopt;
    };
    const auto upsIndex = [&]() -> std::optional<std::size_t> {
        const std::string id = text("ups");
        for (std::size_t i = 0; i < config_.ups.size(); ++i) {
            if (config_.ups[i].id == id) {
                return i;
            }
        }
        return std::nullopt;
    };
    const auto bookedBulk = [&]() {
        const auto it = p.find("bulk_l");
        if (it != p.end() && it->is_number() && config_.generator) {
            bulkLitres_ = std::clamp(it->get<double>(), 0.0, config_.generator->bulkTankLitres);
        }
    };
    const std::string& type = event.type;
    if (type == kPowerSourceLost || type == kPowerSourceRestored) {
        if (const auto i = feedIndex()) {
            feeds_[*i].live.committed = type == kPowerSourceRestored;
        }
    } else if (type == kPowerSourceDisagreement) {
        if (const auto i = feedIndex()) {
            feeds_[*i].disagreement.committed = text("state") == "active";
        }
    } else if (type == kPowerTransfer) {
        if (!text("to").empty()) {
            lastCarrier_ = text("to");
        }
    } else if (type == kPowerGeneratorState) {
        if (const auto code = stateCode(text("state"))) {
            generatorState_ = *code;
            if (*code == kCranking && !crankStartUs_) {
                crankStartUs_ = event.timeUs;
            } else if (*code == kOnLoad || *code == kStopped) {
                crankStartUs_.reset();
            }
        }
    } else if (type == kPowerOnBattery || type == kPowerOffBattery) {
        if (const auto i = upsIndex()) {
            ups_[*i].onBattery = type == kPowerOnBattery;
            ups_[*i].onBatterySinceUs =
                type == kPowerOnBattery ? std::optional<TimeUs>(event.timeUs) : std::nullopt;
        }
    } else if (type == kPowerBatteryLow || type == kPowerBatteryOk) {
        if (const auto i = upsIndex()) {
            ups_[*i].batteryLow.committed = type == kPowerBatteryLow;
        }
    } else if (type == kPowerSwitchFault) {
        switchFault_.committed = text("state") == "active";
    } else if (type == kPowerFuelLow || type == kPowerFuelOk) {
        fuelLow_.committed = type == kPowerFuelLow;
    } else if (type == kPowerRefuelled || type == kPowerFuelTransferred) {
        bookedBulk();
    }
}

json PlantModel::view(const core::TelemetryRegistry& registry, TimeUs nowUs) const {
    const Observation o = observe(registry);
    json v = json::object();
    v["time_us"] = nowUs;
    json feeds = json::array();
    for (std::size_t i = 0; i < config_.feeds.size(); ++i) {
        const FeedConfig& cfg = config_.feeds[i];
        const Observation::Feed& f = o.feeds[i];
        const auto live = feedLive(o, i);
        feeds.push_back({{"id", cfg.id},
                         {"name", cfg.name},
                         {"meter", cfg.meter},
                         {"state", !live ? "unknown" : (*live ? "live" : "lost")},
                         {"voltage", number(f.volts.value)},
                         {"power_kw", number(f.power.value)},
                         {"quality", core::toString(worst({f.volts.quality, f.power.quality}))}});
    }
    v["feeds"] = feeds;
    if (config_.ats) {
        const auto source = [](const std::optional<std::string>& id) {
            return id ? json(*id) : json(nullptr);
        };
        const auto genSide = config_.generator ? config_.generator->atsSide : std::nullopt;
        v["ats"] = {
            {"device", *config_.ats},
            {"position", toString(o.position)},
            {"sources", {{"a", source(config_.atsSources.a)}, {"b", source(config_.atsSources.b)}}},
            {"generator_side", genSide ? json(sideName(genSide)) : json(nullptr)},
            {"quality", core::toString(o.atsQuality)}};
    } else {
        v["ats"] = nullptr;
    }
    if (config_.generator) {
        v["generator"] = {
            {"device", config_.generator->device},
            {"state", o.engineState ? json(stateName(*o.engineState)) : json("unknown")},
            {"power_kw", number(o.generatorPower.value)},
            {"fuel_percent", number(o.fuelLevel.value)},
            {"quality", core::toString(o.generatorQuality)}};
    } else {
        v["generator"] = nullptr;
    }
    json ups = json::array();
    for (std::size_t i = 0; i < config_.ups.size(); ++i) {
        const Observation::Ups& u = o.ups[i];
        ups.push_back({{"id", config_.ups[i].id},
                       {"name", config_.ups[i].name},
                       {"on_battery", flag(u.onBattery)},
                       {"charge", number(u.charge.value)},
                       {"runtime_s", number(u.runtime.value)},
                       {"quality", core::toString(u.quality)}});
    }
    v["ups"] = ups;
    const std::optional<std::string> carries = carrier(o);
    json load = json::object();
    if (o.anyOnBattery) {
        load["source"] = "battery";
        load["power_kw"] = nullptr;
    } else {
        load["source"] = carries.value_or("unknown");
        std::optional<double> kw;
        if (carries == "generator") {
            kw = o.generatorPower.value;
        } else if (carries && *carries != "none") {
            bool all = true;
            double sum = 0;
            for (const auto& f : o.feeds) {
                all = all && f.power.value.has_value();
                sum += f.power.value.value_or(0.0);
            }
            if (all) {
                kw = sum;
            }
        } else if (carries) {
            kw = 0.0;
        }
        load["power_kw"] = number(kw);
    }
    v["load"] = load;
    if (config_.generator) {
        const double required = config_.requiredEnduranceHours;
        json fuel{{"required_h", required},
                  {"bulk_l", round1(bulkLitres_)},
                  {"load_kw", round1(o.loadKw)},
                  {"load_basis", o.loadBasis}};
        if (o.dayLitres) {
            const double litres = *o.dayLitres + bulkLitres_;
            const FuelProjection projection =
                projectFuel(*config_.generator, litres, o.loadKw, options_.projectionHours,
                            options_.projectionSteps);
            json points = json::array();
            for (const auto& [hours, left] : projection.points) {
                points.push_back(json::array({round1(hours), round1(left)}));
            }
            fuel["litres"] = round1(litres);
            fuel["endurance_h"] = round1(projection.enduranceHours);
            fuel["below_requirement"] =
                fuelLow_.committed.value_or(projection.enduranceHours < required);
            fuel["projection"] = points;
        } else {
            fuel["litres"] = nullptr;
            fuel["endurance_h"] = nullptr;
            fuel["below_requirement"] = fuelLow_.committed.value_or(false);
            fuel["projection"] = json::array();
        }
        v["fuel"] = fuel;
    } else {
        v["fuel"] = nullptr;
    }
    return v;
}

}  // namespace sekimori::power
