#include "hvac/hvac_service.hpp"

#include <algorithm>
#include <set>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "core/telemetry_registry.hpp"
#include "core/telemetry_store.hpp"
#include "hvac/climate_watch.hpp"
#include "hvac/hvac_views.hpp"
#include "io/modbus/device_profiles.hpp"
#include "io/modbus/modbus_telemetry.hpp"

namespace sekimori::hvac {

namespace {

using json = nlohmann::json;
using core::ApiCall;
using core::ApiReply;
using core::ApiResult;

constexpr std::string_view kComponent = "hvac";
// The longest the timer sleeps: the watch is judged at least this often.
constexpr core::TimeUs kMaxTickUs = 5'000'000;

ApiResult hvacError(int status, std::string_view code, std::string message) {
    return ApiResult{status, json{{"error", std::move(message)}, {"code", std::string(code)}}};
}

}  // namespace

core::Result<std::vector<io::modbus::DeviceSpec>> hvacDeviceSpecs(
    const HvacConfig& config, const io::ModbusDevicesConfig& devices) {
    std::vector<std::pair<std::string, io::ModbusProfile>> wanted;
    for (const auto& c : config.cracUnits) {
        wanted.emplace_back(c.device, io::ModbusProfile::crac);
    }
    for (const auto& s : config.sensors) {
        wanted.emplace_back(s.device, io::ModbusProfile::sensor);
    }
    std::vector<io::modbus::DeviceSpec> out;
    std::set<std::string> seen;
    for (const auto& [id, profile] : wanted) {
        if (!seen.insert(id).second) {
            continue;
        }
        const io::ModbusDeviceConfig* device = io::findModbusDevice(devices, id);
        if (device == nullptr || device->profile != profile) {
            return core::makeError("hvac.bad_device",
                                   "modbus device \"" + id + "\" is not a " +
                                       std::string(io::modbusProfileName(profile)) + " device");
        }
        const auto* points = io::modbus::profilePoints(io::modbusProfileName(profile));
        if (points == nullptr) {
            return core::makeError(
                "hvac.bad_device",
                "no register map for profile " + std::string(io::modbusProfileName(profile)));
        }
        io::modbus::DeviceSpec spec;
        spec.id = device->id;
        spec.host = device->host;
        spec.port = device->port;
        spec.unitId = device->unitId;
        spec.poll = device->poll;
        spec.timeout = device->timeout;
        spec.points = *points;
        out.push_back(std::move(spec));
    }
    return out;
}

struct HvacService::Impl : std::enable_shared_from_this<Impl> {
    Impl(HvacServiceParts p, std::shared_ptr<core::TelemetryStore> s)
        : parts(std::move(p)),
          store(std::move(s)),
          registry(parts.recorder, parts.clock, store.get()),
          watch(climateWatchConfig(parts.config)),
          timer(parts.executor) {}

    HvacServiceParts parts;
    std::shared_ptr<core::TelemetryStore> store;  // shared with the trend route's workers
    core::TelemetryRegistry registry;
    ClimateWatch watch;
    std::map<std::string, io::modbus::ModbusTelemetry> telemetry;  // by device
    std::vector<std::unique_ptr<io::modbus::ModbusPoller>> pollers;
    std::set<std::string> points;              // every declared point: what the trend route admits
    std::map<std::string, std::string> units;  // by point
    boost::asio::steady_timer timer;
    std::vector<core::EventBus::Token> tokens;
    bool running = false;

    void onPass(const io::modbus::PassResult& pass) {
        if (!running) {
            return;
        }
        auto it = telemetry.find(pass.device);
        if (it == telemetry.end()) {
            return;
        }
        if (auto r = it->second.apply(pass); !r) {
            core::logError(kComponent, "a pass of " + pass.device +
                                           " could not be applied: " + r.error().message);
        }
        judge();
    }

    // The registry's stale limits, then the watch, then the timer for what is due next.
    void judge() {
        registry.tick();
        const core::TimeUs now = parts.clock.nowUs();
        const auto read = [this](std::string_view point) {
            PointReading r;
            if (const auto* p = registry.find(point)) {
                r.value = p->value();
                r.timeUs = p->valueTimeUs();
                r.good = p->quality() == core::TelemetryQuality::good;
            }
            return r;
        };
        for (auto& e : watch.evaluate(read, now)) {
            parts.recorder.record(core::Event{now, e.type, e.source, "", e.payload.dump()});
        }
        arm(now);
    }

    void arm(core::TimeUs now) {
        if (!running) {
            return;
        }
        const core::TimeUs next =
            std::min({registry.nextDeadlineUs(), watch.nextDeadlineUs(), now + kMaxTickUs});
        timer.expires_after(std::chrono::microseconds(std::max<core::TimeUs>(0, next - now)));
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->judge();
        });
    }

    void getHvac(const ApiCall&, const ApiReply& reply) {
        reply(ApiResult{200, hvacJson(parts.config, registry, watch)});
    }
};

core::Result<std::unique_ptr<HvacService>> HvacService::create(HvacServiceParts parts) {
    std::shared_ptr<core::TelemetryStore> store;
    if (!parts.telemetryPath.empty()) {
        core::TelemetryStoreOptions options;
        options.path = parts.telemetryPath;
        options.onError = [path = parts.telemetryPath](const core::Error& error) {
            core::logWarning(kComponent, "trend store " + path + ": " + error.message);
        };
        auto opened = core::TelemetryStore::open(std::move(options), parts.clock);
        if (!opened) {
            return opened.error();
        }
        store = std::move(*opened);
    }
    auto impl = std::make_shared<Impl>(std::move(parts), std::move(store));
    for (const auto& device : impl->parts.devices) {
        const bool crac =
            std::any_of(impl->parts.config.cracUnits.begin(), impl->parts.config.cracUnits.end(),
                        [&](const CracConfig& c) { return c.device == device.id; });
        auto declared = io::modbus::ModbusTelemetry::declare(
            impl->registry, device, std::string(crac ? "crac:" : "sensor:").append(device.id));
        if (!declared) {
            return declared.error();
        }
        impl->telemetry.emplace(device.id, std::move(*declared));
        for (const auto& point : device.points) {
            const std::string name = io::modbus::ModbusTelemetry::pointName(device, point);
            impl->points.insert(name);
            impl->units[name] = point.unit;
        }
    }
    std::weak_ptr<Impl> weak = impl;
    impl->tokens.push_back(
        impl->parts.bus.subscribe("power.", [weak](const core::RecordedEvent& e) {
            if (auto self = weak.lock()) {
                self->watch.powerEvent(e.seq, e.event.type, e.event.timeUs);
            }
        }));
    return std::unique_ptr<HvacService>(new HvacService(std::move(impl)));
}

HvacService::HvacService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HvacService::~HvacService() {
    stop();
    if (impl_->store) {
        impl_->store->stop();
    }
}

core::Result<void> HvacService::start() {
    auto& impl = *impl_;
    if (impl.running) {
        return {};
    }
    impl.running = true;
    std::weak_ptr<Impl> weak = impl_;
    for (const auto& device : impl.parts.devices) {
        auto poller = std::make_unique<io::modbus::ModbusPoller>(
            impl.parts.executor, device, impl.parts.clock, [weak](io::modbus::PassResult pass) {
                if (auto self = weak.lock()) {
                    self->onPass(pass);
                }
            });
        if (auto r = poller->start(); !r) {
            stop();
            return r.error();
        }
        impl.pollers.push_back(std::move(poller));
    }
    impl.arm(impl.parts.clock.nowUs());
    core::logInfo(kComponent, "polling " + std::to_string(impl.parts.devices.size()) +
                                  " CRAC and sensor devices");
    return {};
}

void HvacService::stop() {
    auto& impl = *impl_;
    if (!impl.running) {
        return;
    }
    impl.running = false;
    impl.timer.cancel();
    for (auto& poller : impl.pollers) {
        poller->stop();
    }
    impl.pollers.clear();
}

std::vector<core::ApiRoute> HvacService::routes() {
    std::vector<core::ApiRoute> out;
    std::weak_ptr<Impl> weak = impl_;
    out.push_back(core::ApiRoute{core::HttpMethod::get, "/api/hvac", kHvacViewers, core::RunOn::io,
                                 [weak](const ApiCall& call, ApiReply reply) {
                                     if (auto self = weak.lock()) {
                                         self->getHvac(call, reply);
                                     }
                                 }});
    // On a console worker: the store's read blocks. Touches only what never changes after
    // create() (the point names, the clock) and the store, which is safe from any thread.
    out.push_back(core::ApiRoute{
        core::HttpMethod::get, "/api/hvac/trend", kHvacViewers, core::RunOn::worker,
        [store = impl_->store, points = impl_->points, units = impl_->units,
         clock = &impl_->parts.clock](const ApiCall& call, ApiReply reply) {
            auto query = parseTrendQuery(call.query, points, clock->nowUs());
            if (!query) {
                reply(hvacError(400, query.error().code, query.error().message));
                return;
            }
            if (!store) {
                reply(hvacError(503, "hvac.no_trends", "this daemon keeps no hvac trends"));
                return;
            }
            auto series = store->query(*query);
            if (!series && series.error().code == "telemetry.unknown_point") {
                core::TelemetrySeries empty;  // declared, never sampled yet
                empty.point = query->point;
                empty.unit = units.at(query->point);
                empty.resolution = store->resolve(*query);
                reply(ApiResult{200, trendJson(empty)});
                return;
            }
            if (!series) {
                reply(hvacError(503, "hvac.store_unavailable", series.error().message));
                return;
            }
            reply(ApiResult{200, trendJson(*series)});
        }});
    return out;
}

std::vector<core::EventVisibility> HvacService::eventVisibility() {
    return {{"hvac.", kHvacViewers}};
}

std::optional<core::UiPlugin> HvacService::uiPlugin() {
    return core::UiPlugin{"hvac", impl_->parts.webDir, "index.js", kHvacViewers};
}

}  // namespace sekimori::hvac
