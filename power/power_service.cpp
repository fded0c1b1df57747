#include "power/power_service.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/api_actor.hpp"
#include "core/log.hpp"
#include "core/sqlite_db.hpp"
#include "core/telemetry_registry.hpp"
#include "core/telemetry_store.hpp"
#include "io/modbus/device_profiles.hpp"
#include "io/modbus/modbus_poller.hpp"
#include "io/modbus/modbus_telemetry.hpp"
#include "io/nut/nut_poller.hpp"
#include "io/nut/nut_telemetry.hpp"
#include "power/hub_event_types.hpp"
#include "power/hub_override.hpp"
#include "power/hub_timers.hpp"
#include "power/plant_command.hpp"
#include "power/plant_command_event_types.hpp"
#include "power/plant_model.hpp"

namespace sekimori::power {

namespace {

using json = nlohmann::json;
using core::ApiCall;
using core::ApiReply;
using core::ApiResult;

constexpr std::string_view kComponent = "power";
// The model's debounces and the read-back limits are checked this often between passes.
constexpr auto kTickInterval = std::chrono::milliseconds(250);

ApiResult powerError(int status, std::string_view code, std::string message) {
    return ApiResult{status, json{{"error", std::move(message)}, {"code", std::string(code)}}};
}

// 202 with the approval a request made (nothing is switched before a second person approves).
policy::ApprovalDone answerRequested(ApiReply reply) {
    return [reply](core::Result<policy::ApprovalRequest> requested) {
        if (!requested) {
            reply(powerError(policy::approvalErrorStatus(requested.error()), requested.error().code,
                             requested.error().message));
            return;
        }
        reply(ApiResult{202,
                        {{"approval",
                          {{"id", requested->id},
                           {"kind", requested->kind},
                           {"state", requested->state},
                           {"expires_us", requested->expiresUs}}}}});
    };
}

json readingJson(const core::TelemetryReading& r) {
    json out{{"point", r.point},    {"unit", r.unit},
             {"time_us", r.timeUs}, {"quality", std::string(core::toString(r.quality))},
             {"errors", r.errors},  {"out_of_envelope", r.outOfEnvelope}};
    out["value"] = r.value ? json(*r.value) : json(nullptr);
    return out;
}

// Every device the power domain polls: the feeds' meters, the switch, the generator, the UPS
// cards, and every relay board and PDU of the site (hub timers switch them).
std::vector<const io::ModbusDeviceConfig*> polledDevices(const PowerConfig& config,
                                                         const io::ModbusDevicesConfig& devices) {
    std::set<std::string> ids;
    if (config.plant) {
        for (const auto& feed : config.plant->feeds) {
            ids.insert(feed.meter);
        }
        if (config.plant->ats) {
            ids.insert(*config.plant->ats);
        }
        if (config.plant->generator) {
            ids.insert(config.plant->generator->device);
        }
        for (const auto& ups : config.plant->ups) {
            if (ups.device) {
                ids.insert(*ups.device);
            }
        }
    }
    std::vector<const io::ModbusDeviceConfig*> out;
    for (const auto& device : devices.devices) {
        const bool switched =
            device.profile == io::ModbusProfile::relay || device.profile == io::ModbusProfile::pdu;
        if (switched || ids.count(device.id) != 0) {
            out.push_back(&device);
        }
    }
    return out;
}

io::modbus::DeviceSpec deviceSpec(const io::ModbusDeviceConfig& device) {
    io::modbus::DeviceSpec spec;
    spec.id = device.id;
    spec.host = device.host;
    spec.port = device.port;
    spec.unitId = device.unitId;
    spec.poll = device.poll;
    spec.timeout = device.timeout;
    spec.maxBackoff = std::max(device.poll * 10, std::chrono::milliseconds(10'000));
    spec.points = *io::modbus::profilePoints(io::modbusProfileName(device.profile));
    return spec;
}

// The site's hub timers with their schedule and the relay point each switches.
core::Result<std::vector<HubTimerSpec>> hubTimerSpecs(const PowerServiceParts& parts) {
    std::vector<HubTimerSpec> out;
    for (const auto& timer : parts.config.hubTimers) {
        HubTimerSpec spec;
        spec.config = timer;
        const auto schedule =
            std::find_if(parts.schedules.begin(), parts.schedules.end(),
                         [&](const policy::Schedule& s) { return s.id == timer.schedule; });
        const auto* device = io::findModbusDevice(parts.devices, timer.relay.device);
        if (schedule == parts.schedules.end() || device == nullptr) {
            return core::makeError("power.bad_hub_timer",
                                   "hub timer " + timer.id + ": unknown schedule or device");
        }
        spec.schedule = *schedule;
        spec.point = hubPointName(io::modbusProfileName(device->profile), timer.relay.coil);
        spec.warnBefore = std::chrono::minutes(timer.warnBeforeMinutes);
        spec.overrideMax = std::chrono::minutes(timer.overrideMaxHours * 60);
        out.push_back(std::move(spec));
    }
    return out;
}

// A command between its approval and its read-back.
struct PendingCommand {
    std::string approval;
    PlantCommand command;
    core::TimeUs approvedUs = 0;
    core::TimeUs sentUs = 0;  // 0 until the device echoed the write
    core::TimeUs deadlineUs = 0;
    std::string requestedBy;
    std::string approvedBy;
};

// What the page lists of the latest commands.
struct CommandOutcome {
    std::string approval;
    std::string device;
    std::string command;
    std::string point;
    std::string state;  // sending | sent | confirmed | unconfirmed | failed
    core::TimeUs approvedUs = 0;
    core::TimeUs doneUs = 0;
    std::string message;
};

}  // namespace

struct PowerService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(PowerServiceParts p) : parts(std::move(p)), timer(parts.executor) {}

    PowerServiceParts parts;
    std::shared_ptr<core::TelemetryStore> store;
    std::unique_ptr<core::TelemetryRegistry> registry;
    std::set<std::string> pointNames;  // fixed after create: the trend route checks it off-thread
    std::map<std::string, io::modbus::ModbusTelemetry> modbusTelemetry;
    std::map<std::string, std::unique_ptr<io::modbus::ModbusPoller>> pollers;
    std::map<std::string, io::nut::NutTelemetry> nutTelemetry;
    std::vector<std::unique_ptr<io::nut::NutPoller>> nutPollers;
    std::unique_ptr<PlantModel> model;
    std::unique_ptr<HubTimers> hubs;
    std::vector<PendingCommand> pending;
    std::vector<CommandOutcome> outcomes;  // newest last, at most kOutcomesKept
    static constexpr std::size_t kOutcomesKept = 20;
    std::vector<core::EventBus::Token> tokens;
    std::vector<nlohmann::json> lostAtRestart;  // approved, never resolved: recorded at start
    boost::asio::steady_timer timer;
    bool running = false;

    core::Result<void> declare() {
        registry =
            std::make_unique<core::TelemetryRegistry>(parts.recorder, parts.clock, store.get());
        for (const auto* device : polledDevices(parts.config, parts.devices)) {
            auto telemetry = io::modbus::ModbusTelemetry::declare(*registry, deviceSpec(*device),
                                                                  "power:" + device->id);
            if (!telemetry) {
                return telemetry.error();
            }
            modbusTelemetry.emplace(device->id, std::move(*telemetry));
        }
        if (parts.config.plant) {
            for (const auto& ups : parts.config.plant->ups) {
                auto telemetry =
                    io::nut::NutTelemetry::declare(*registry, nutSpec(ups), "power:" + ups.id);
                if (!telemetry) {
                    return telemetry.error();
                }
                nutTelemetry.emplace(ups.id, std::move(*telemetry));
            }
            model = std::make_unique<PlantModel>(*parts.config.plant, PlantModelOptions{});
        }
        auto specs = hubTimerSpecs(parts);
        if (!specs) {
            return specs.error();
        }
        hubs = std::make_unique<HubTimers>(std::move(*specs), HubTimerOptions{});
        for (const auto& reading : registry->readings()) {
            pointNames.insert(reading.point);
        }
        return {};
    }

    static io::nut::NutUpsSpec nutSpec(const UpsConfig& ups) {
        io::nut::NutUpsSpec spec;
        spec.id = ups.id;
        spec.ups = ups.nutUps;
        spec.host = ups.nutHost;
        spec.port = ups.nutPort;
        return spec;
    }

    core::Result<void> startPolling() {
        std::weak_ptr<Impl> weak = weak_from_this();
        for (const auto* device : polledDevices(parts.config, parts.devices)) {
            auto poller = std::make_unique<io::modbus::ModbusPoller>(
                parts.executor, deviceSpec(*device), parts.clock,
                [weak](io::modbus::PassResult pass) {
                    if (auto self = weak.lock()) {
                        self->onModbusPass(pass);
                    }
                });
            if (auto r = poller->start(); !r) {
                return r.error();
            }
            pollers.emplace(device->id, std::move(poller));
        }
        if (parts.config.plant) {
            for (const auto& ups : parts.config.plant->ups) {
                auto poller = std::make_unique<io::nut::NutPoller>(
                    parts.executor, nutSpec(ups), parts.clock, [weak](io::nut::NutPassResult pass) {
                        if (auto self = weak.lock()) {
                            self->onNutPass(pass);
                        }
                    });
                if (auto r = poller->start(); !r) {
                    return r.error();
                }
                nutPollers.push_back(std::move(poller));
            }
        }
        return {};
    }

    void onModbusPass(const io::modbus::PassResult& pass) {
        if (!running) {
            return;
        }
        auto it = modbusTelemetry.find(pass.device);
        if (it != modbusTelemetry.end()) {
            if (auto r = it->second.apply(pass); !r) {
                core::logWarning(kComponent, r.error().message);
            }
        }
        evaluate();
    }

    void onNutPass(const io::nut::NutPassResult& pass) {
        if (!running) {
            return;
        }
        auto it = nutTelemetry.find(pass.id);
        if (it != nutTelemetry.end()) {
            if (auto r = it->second.apply(pass); !r) {
                core::logWarning(kComponent, r.error().message);
            }
        }
        evaluate();
    }

    void evaluate() {
        const core::TimeUs now = parts.clock.nowUs();
        registry->tick();
        if (model) {
            for (auto& event : model->evaluate(*registry, now)) {
                parts.recorder.record(std::move(event));
            }
        }
        checkReadBacks(now);
        stepHubs(now);
    }

    // ---------------------------------------------------------------- hub timers

    void stepHubs(core::TimeUs now) {
        std::map<std::string, HubReading> readings;
        for (const auto& spec : hubs->specs()) {
            const auto* point = registry->find(spec.config.relay.device + "." + spec.point);
            HubReading reading;
            if (point != nullptr) {
                reading.quality = std::string(core::toString(point->quality()));
                reading.timeUs = point->valueTimeUs();
                if (point->quality() == core::TelemetryQuality::good && point->value()) {
                    reading.on = *point->value() != 0;
                }
            }
            readings.emplace(spec.config.id, std::move(reading));
        }
        handleHubs(hubs->evaluate(readings, now));
    }

    void handleHubs(HubStep step) {
        for (auto& event : step.events) {
            parts.recorder.record(std::move(event));
        }
        std::weak_ptr<Impl> weak = weak_from_this();
        for (const auto& write : step.writes) {
            auto poller = pollers.find(write.device);
            if (poller == pollers.end()) {
                handleHubs(hubs->writeDone(write.id, false, "not_polled",
                                           "the device is not polled", parts.clock.nowUs()));
                continue;
            }
            const std::uint64_t id = write.id;
            auto sent = poller->second->write(
                {write.point, write.on ? 1.0 : 0.0}, [weak, id](io::modbus::WriteResult result) {
                    auto self = weak.lock();
                    if (!self || !self->running) {
                        return;
                    }
                    self->handleHubs(self->hubs->writeDone(
                        id, result.ok(), std::string(io::modbus::toString(result.error)),
                        result.message, result.timeUs));
                });
            if (!sent) {
                handleHubs(hubs->writeDone(write.id, false, "refused", sent.error().message,
                                           parts.clock.nowUs()));
            }
        }
        publishHubs(hubs->takeChanged());
    }

    // Retained, so a terminal (or its user's tray app) that connects later learns the state and
    // the coming cut at once.
    void publishHubs(const std::vector<std::string>& changed) {
        if (parts.router == nullptr) {
            return;
        }
        const core::TimeUs now = parts.clock.nowUs();
        for (const auto& hub : changed) {
            json state = hubs->hubView(hub, now);
            state["time_us"] = now;
            parts.router->publish("sekimori/" + parts.siteId + "/hub/" + hub + "/state",
                                  state.dump(), true);
        }
    }

    // The approval is durable: the override joins the timer, which powers the hub in its window.
    void onHubOverrideApproved(const core::RecordedEvent& recorded) {
        if (!running) {
            return;
        }
        const json payload = json::parse(recorded.event.payload, nullptr, false);
        if (!payload.is_object()) {
            return;
        }
        HubOverride o;
        o.approval = payload.value("approval", "");
        o.hub = payload.value("hub", "");
        o.fromUs = payload.value("from_us", core::TimeUs{0});
        o.untilUs = payload.value("until_us", core::TimeUs{0});
        o.reason = payload.value("reason", "");
        o.requestedBy = payload.value("requested_by", "");
        o.approvedBy = payload.value("approved_by", "");
        handleHubs(hubs->addOverride(std::move(o), parts.clock.nowUs()));
        stepHubs(parts.clock.nowUs());
    }

    void getHubs(const ApiCall&, const ApiReply& reply) {
        reply(ApiResult{
            200, {{"time_us", parts.clock.nowUs()}, {"hubs", hubs->view(parts.clock.nowUs())}}});
    }

    void postHubOverride(const ApiCall& call, const ApiReply& reply) {
        auto request = parseHubOverride(call.body, hubs->specs(), parts.clock.nowUs());
        if (!request) {
            reply(powerError(400, request.error().code, request.error().message));
            return;
        }
        parts.approvals.request(call, std::string(kHubOverrideKind),
                                hubOverrideAction(*request, parts.utcOffsetMinutes),
                                hubOverrideSummary(*request, parts.utcOffsetMinutes), "",
                                answerRequested(reply));
    }

    void armTimer() {
        timer.expires_after(kTickInterval);
        std::weak_ptr<Impl> weak = weak_from_this();
        timer.async_wait([weak](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->evaluate();
            self->armTimer();
        });
    }

    // ---------------------------------------------------------------- commands

    CommandOutcome& outcome(const std::string& approval) {
        for (auto& o : outcomes) {
            if (o.approval == approval) {
                return o;
            }
        }
        if (outcomes.size() == kOutcomesKept) {
            outcomes.erase(outcomes.begin());
        }
        outcomes.push_back(CommandOutcome{});
        outcomes.back().approval = approval;
        return outcomes.back();
    }

    json commandPayload(const PendingCommand& p) const {
        return json{{"approval", p.approval},       {"device", p.command.device},
                    {"command", p.command.command}, {"point", p.command.point},
                    {"value", p.command.value},     {"requested_by", p.requestedBy},
                    {"approved_by", p.approvedBy}};
    }

    void recordCommand(core::EventType type, const PendingCommand& p, json extra) {
        json payload = commandPayload(p);
        payload.update(extra);
        parts.recorder.record(core::Event{parts.clock.nowUs(), std::string(type.name),
                                          "power:" + p.command.device, p.requestedBy,
                                          payload.dump()});
    }

    // The approval is durable (the bus carries only what was stored): now the write is sent.
    void onApproved(const core::RecordedEvent& recorded) {
        if (!running || !recorded.body) {
            return;
        }
        const json& body = *recorded.body;
        json action = json::object();
        for (const char* key : {"device", "command", "point", "reason"}) {
            if (body.contains(key) && body[key].is_string()) {
                action[key] = body[key];
            }
        }
        if (action.value("point", "") == "start_request") {
            action.erase("point");
        }
        PendingCommand p;
        p.approval = body.value("approval", "");
        p.requestedBy = body.value("requested_by", "");
        p.approvedBy = body.value("approved_by", "");
        p.approvedUs = recorded.event.timeUs;
        auto command = parsePlantCommand(action, parts.devices, parts.config);
        auto& shown = outcome(p.approval);
        shown.approvedUs = p.approvedUs;
        shown.device = action.value("device", "");
        shown.command = action.value("command", "");
        if (!command) {
            shown.state = "failed";
            shown.message = command.error().message;
            p.command.device = shown.device;
            recordCommand(kPowerCommandFailed, p,
                          {{"error", "bad_command"}, {"message", command.error().message}});
            return;
        }
        p.command = std::move(*command);
        shown.point = p.command.point;
        auto poller = pollers.find(p.command.device);
        if (poller == pollers.end()) {
            shown.state = "failed";
            shown.message = "the device is not polled";
            recordCommand(kPowerCommandFailed, p,
                          {{"error", "not_polled"}, {"message", shown.message}});
            return;
        }
        shown.state = "sending";
        p.deadlineUs =
            p.approvedUs +
            std::chrono::duration_cast<std::chrono::microseconds>(p.command.confirmWithin).count();
        std::weak_ptr<Impl> weak = weak_from_this();
        const std::string approval = p.approval;
        auto sent = poller->second->write({p.command.point, p.command.value},
                                          [weak, approval](io::modbus::WriteResult result) {
                                              if (auto self = weak.lock()) {
                                                  self->onWritten(approval, result);
                                              }
                                          });
        if (!sent) {
            shown.state = "failed";
            shown.message = sent.error().message;
            recordCommand(kPowerCommandFailed, p,
                          {{"error", "refused"}, {"message", shown.message}});
            return;
        }
        pending.push_back(std::move(p));
    }

    void onWritten(const std::string& approval, const io::modbus::WriteResult& result) {
        auto it = std::find_if(pending.begin(), pending.end(),
                               [&](const PendingCommand& p) { return p.approval == approval; });
        if (!running || it == pending.end()) {
            return;
        }
        auto& shown = outcome(approval);
        if (!result.ok()) {
            shown.state = "failed";
            shown.doneUs = result.timeUs;
            shown.message = result.message;
            recordCommand(kPowerCommandFailed, *it,
                          {{"error", std::string(io::modbus::toString(result.error))},
                           {"message", result.message}});
            pending.erase(it);
            return;
        }
        it->sentUs = result.timeUs;
        shown.state = "sent";
        recordCommand(kPowerCommandSent, *it, json::object());
    }

    // Confirmed only by a good reading taken after the echo; a late or stale one is not proof.
    void checkReadBacks(core::TimeUs now) {
        for (auto it = pending.begin(); it != pending.end();) {
            if (it->sentUs == 0) {
                ++it;
                continue;
            }
            const auto* point = registry->find(it->command.device + "." + it->command.confirmPoint);
            const bool good = point != nullptr && point->value() &&
                              point->quality() == core::TelemetryQuality::good &&
                              point->valueTimeUs() > it->sentUs;
            const bool asked =
                good &&
                std::find(it->command.confirmValues.begin(), it->command.confirmValues.end(),
                          *point->value()) != it->command.confirmValues.end();
            auto& shown = outcome(it->approval);
            if (asked) {
                shown.state = "confirmed";
                shown.doneUs = point->valueTimeUs();
                recordCommand(kPowerCommandConfirmed, *it,
                              {{"read_point", it->command.confirmPoint},
                               {"read_value", *point->value()},
                               {"took_ms", (point->valueTimeUs() - it->approvedUs) / 1000}});
                it = pending.erase(it);
            } else if (now >= it->deadlineUs) {
                shown.state = "unconfirmed";
                shown.doneUs = now;
                json extra{{"read_point", it->command.confirmPoint},
                           {"waited_ms", (now - it->approvedUs) / 1000},
                           {"quality", point ? std::string(core::toString(point->quality()))
                                             : std::string("unknown")}};
                extra["read_value"] =
                    point && point->value() ? json(*point->value()) : json(nullptr);
                shown.message = "no read-back of the asked state";
                recordCommand(kPowerCommandUnconfirmed, *it, extra);
                it = pending.erase(it);
            } else {
                ++it;
            }
        }
    }

    // ---------------------------------------------------------------- routes

    // The page polls this every 2 s and the picture is some hundred JSON nodes: the io thread
    // only copies the registry and the model (plain data), and the JSON is built, written and
    // freed on the console worker that streams the answer.
    void getPower(const ApiCall&, const ApiReply& reply) {
        struct Snapshot {
            core::TimeUs now = 0;
            core::TelemetryRegistry registry;
            std::optional<PlantModel> model;
            std::vector<CommandOutcome> outcomes;
            std::map<std::string, std::pair<std::string, std::string>> ups;  // status, reason
            json hubs;  // a few hubs: small enough to build here
            bool sent = false;
        };
        const core::TimeUs now = parts.clock.nowUs();
        auto snapshot = std::make_shared<Snapshot>(
            Snapshot{now, *registry, std::nullopt, outcomes, {}, hubs->view(now), false});
        if (model) {
            snapshot->model.emplace(*model);
        }
        for (const auto& [id, telemetry] : nutTelemetry) {
            snapshot->ups[id] = {telemetry.status(), telemetry.transferReason()};
        }
        core::StreamBody body;
        body.contentType = "application/json";
        body.next = [snapshot]() -> core::Result<std::string> {
            if (snapshot->sent) {
                return std::string();
            }
            snapshot->sent = true;
            json points = json::array();
            for (const auto& r : snapshot->registry.readings()) {
                points.push_back(readingJson(r));
            }
            json commands = json::array();
            for (auto it = snapshot->outcomes.rbegin(); it != snapshot->outcomes.rend(); ++it) {
                commands.push_back({{"approval", it->approval},
                                    {"device", it->device},
                                    {"command", it->command},
                                    {"point", it->point},
                                    {"state", it->state},
                                    {"approved_us", it->approvedUs},
                                    {"done_us", it->doneUs},
                                    {"message", it->message}});
            }
            json ups = json::object();
            for (const auto& [id, status] : snapshot->ups) {
                ups[id] = {{"status", status.first}, {"transfer_reason", status.second}};
            }
            const json plant = snapshot->model
                                   ? snapshot->model->view(snapshot->registry, snapshot->now)
                                   : json(nullptr);
            return json{{"time_us", snapshot->now}, {"plant", plant},
                        {"ups_status", ups},        {"points", points},
                        {"hubs", snapshot->hubs},   {"commands", commands}}
                .dump();
        };
        reply(std::move(body));
    }

    void postCommand(const ApiCall& call, const ApiReply& reply) {
        auto command = parsePlantCommand(call.body, parts.devices, parts.config);
        if (!command) {
            reply(powerError(400, command.error().code, command.error().message));
            return;
        }
        parts.approvals.request(call, std::string(kPlantCommandKind), plantCommandAction(*command),
                                plantCommandSummary(*command), "", answerRequested(reply));
    }

    void postRefuel(const ApiCall& call, const ApiReply& reply) {
        const json& body = call.body;
        if (!model) {
            reply(powerError(404, "power.no_generator", "the site has no [power] plant"));
            return;
        }
        if (!body.is_object() || !body.contains("litres") || !body["litres"].is_number()) {
            reply(powerError(400, "power.bad_request", "body.litres: the litres delivered"));
            return;
        }
        for (const auto& [key, value] : body.items()) {
            if (key != "litres" && key != "note") {
                reply(powerError(400, "power.bad_request", "body." + key + ": unknown field"));
                return;
            }
        }
        const double litres = body["litres"].get<double>();
        const std::string note = body.value("note", "");
        if (!(litres > 0) || litres > 1e6) {
            reply(powerError(400, "power.bad_request", "body.litres: more than 0"));
            return;
        }
        if (body.contains("note") && (!body["note"].is_string() || note.size() > 500)) {
            reply(powerError(400, "power.bad_request",
                             "body.note: a string of at most 500 characters"));
            return;
        }
        auto events = model->refuelled(litres, call.actor, parts.clock.nowUs());
        if (events.empty()) {
            reply(
                powerError(400, "power.bad_request", "body.litres: not a delivery the tanks take"));
            return;
        }
        for (auto& event : events) {
            json payload = json::parse(event.payload, nullptr, false);
            if (payload.is_object()) {
                payload.update(core::actorFields(call));
                if (!note.empty()) {
                    payload["note"] = note;
                }
                event.payload = payload.dump();
            }
            event.source = core::actorSource(call);
        }
        core::Change change;
        change.events = std::move(events);
        change.onDone = [reply, litres](const core::Result<void>& done) {
            if (!done) {
                reply(powerError(503, done.error().code, done.error().message));
                return;
            }
            reply(ApiResult{200, {{"refuelled_litres", litres}}});
        };
        parts.recorder.commit(std::move(change));
    }
};

namespace {

core::Result<std::int64_t> queryNumber(const ApiCall& call, const std::string& key,
                                       std::int64_t fallback) {
    auto it = call.query.find(key);
    if (it == call.query.end() || it->second.empty()) {
        return fallback;
    }
    try {
        std::size_t used = 0;
        const std::int64_t value = std::stoll(it->second, &used);
        if (used == it->second.size()) {
            return value;
        }
    } catch (const std::exception&) {
    }
    return core::makeError("power.bad_request", key + ": microseconds since the epoch");
}

// The plant model's state after a restart (the bulk tank's book, the last carrier, the
// generator's state) is the fold of its own recorded power.* events (PlantModel::apply).
// Also returns the commands approved before the restart whose outcome the trail does not hold:
// in memory only, they were lost with the process, and start() records each as failed.
core::Result<std::vector<nlohmann::json>> restoreFromTrail(PlantModel* model, HubTimers& hubs,
                                                           const std::string& databasePath) {
    std::map<std::string, nlohmann::json> open;  // approval -> its power.command_approved
    if (!std::filesystem::exists(databasePath)) {
        return std::vector<nlohmann::json>{};  // the first start: nothing recorded yet
    }
    auto db = core::Database::open(databasePath, core::Database::Mode::readOnly);
    if (!db) {
        return db.error();
    }
    auto select = (*db)->prepare(
        "SELECT seq, time_us, type, source, subject, payload FROM audit_events "
        "WHERE type >= 'power.' AND type < 'power/' ORDER BY seq");
    if (!select) {
        return select.error();
    }
    while (true) {
        auto more = select->step();
        if (!more) {
            return more.error();
        }
        if (!*more) {
            std::vector<nlohmann::json> lost;
            for (auto& [approval, payload] : open) {
                lost.push_back(std::move(payload));
            }
            return lost;
        }
        core::Event event;
        event.timeUs = select->columnInt(1);
        event.type = select->columnText(2);
        event.source = select->columnText(3);
        event.subject = select->columnText(4);
        event.payload = select->columnText(5);
        auto payload = nlohmann::json::parse(event.payload, nullptr, false);
        const std::string approval = payload.is_object() ? payload.value("approval", "") : "";
        if (event.type == kPowerCommandApproved && !approval.empty()) {
            open[approval] = payload;
        } else if (event.type == kPowerCommandFailed || event.type == kPowerCommandConfirmed ||
                   event.type == kPowerCommandUnconfirmed) {
            open.erase(approval);
        }
        if (model != nullptr) {
            model->apply(event);
        }
        hubs.apply(event);
    }
}

void registerCommandKind(policy::ApprovalEngine& engine, const PowerServiceParts& parts) {
    policy::ApprovalKind kind;
    kind.name = std::string(kPlantCommandKind);
    kind.requesters = kPowerRequesters;
    kind.approvers = kPowerApprovers;
    kind.ttl = std::chrono::hours(1);  // a plant command is for now, not for tomorrow
    const auto& clock = parts.clock;
    const io::ModbusDevicesConfig devices = parts.devices;
    const PowerConfig config = parts.config;
    kind.apply = [&clock, devices, config](core::Database&, const policy::ApprovalRequest& request)
        -> core::Result<std::vector<core::Event>> {
        auto command = parsePlantCommand(request.action, devices, config);
        if (!command) {
            return command.error();
        }
        json payload{{"approval", request.id},
                     {"device", command->device},
                     {"command", command->command},
                     {"point", command->point},
                     {"value", command->value},
                     {"reason", command->reason},
                     {"requested_by", request.requester},
                     {"approved_by", request.decidedBy}};
        return std::vector<core::Event>{
            core::Event{clock.nowUs(), std::string(kPowerCommandApproved.name),
                        "approval:" + request.id, request.requester, payload.dump()}};
    };
    engine.registerKind(std::move(kind));
}

// The override's window is fixed at approval: from the asked start (or now) for the minutes
// asked; the action is re-checked as of when it was requested.
void registerHubOverrideKind(policy::ApprovalEngine& engine, const core::Clock& clock,
                             std::vector<HubTimerSpec> specs) {
    if (specs.empty()) {
        return;
    }
    policy::ApprovalKind kind;
    kind.name = std::string(kHubOverrideKind);
    kind.requesters = kPowerRequesters;
    kind.approvers = kPowerApprovers;
    kind.ttl = std::chrono::hours(8);  // asked in the afternoon for the evening's work
    kind.apply = [&clock, specs](core::Database&, const policy::ApprovalRequest& request)
        -> core::Result<std::vector<core::Event>> {
        auto asked = parseHubOverride(request.action, specs, request.createdUs);
        if (!asked) {
            return asked.error();
        }
        const core::TimeUs now = clock.nowUs();
        auto window =
            approvedOverride(*asked, request.id, request.requester, request.decidedBy, now);
        if (!window) {
            return window.error();
        }
        json payload{{"approval", request.id},
                     {"hub", window->hub},
                     {"from_us", window->fromUs},
                     {"until_us", window->untilUs},
                     {"minutes", asked->minutes},
                     {"reason", window->reason},
                     {"requested_by", window->requestedBy},
                     {"approved_by", window->approvedBy}};
        return std::vector<core::Event>{core::Event{now, std::string(kHubOverrideApproved.name),
                                                    "hub:" + window->hub, request.requester,
                                                    payload.dump()}};
    };
    engine.registerKind(std::move(kind));
}

}  // namespace

core::Result<std::unique_ptr<PowerService>> PowerService::create(PowerServiceParts parts) {
    auto impl = std::make_shared<Impl>(std::move(parts));
    core::TelemetryStoreOptions options;
    options.path = impl->parts.telemetryPath;
    options.onError = [](const core::Error& error) {
        core::logWarning(kComponent, "trend store: " + error.message);
    };
    auto store = core::TelemetryStore::open(std::move(options), impl->parts.clock);
    if (!store) {
        return store.error();
    }
    impl->store = std::shared_ptr<core::TelemetryStore>(std::move(*store));
    if (auto r = impl->declare(); !r) {
        return r.error();
    }
    auto lost = restoreFromTrail(impl->model.get(), *impl->hubs, impl->parts.databasePath);
    if (!lost) {
        return lost.error();
    }
    impl->lostAtRestart = std::move(*lost);
    registerCommandKind(impl->parts.approvals, impl->parts);
    registerHubOverrideKind(impl->parts.approvals, impl->parts.clock, impl->hubs->specs());
    return std::unique_ptr<PowerService>(new PowerService(std::move(impl)));
}

PowerService::PowerService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

PowerService::~PowerService() {
    stop();
    impl_->store->stop();
}

core::Result<void> PowerService::start() {
    auto& impl = *impl_;
    impl.running = true;
    std::weak_ptr<Impl> weak = impl_;
    impl.tokens.push_back(
        impl.parts.bus.subscribe(kPowerCommandApproved, [weak](const core::RecordedEvent& e) {
            if (auto self = weak.lock()) {
                self->onApproved(e);
            }
        }));
    impl.tokens.push_back(
        impl.parts.bus.subscribe(kHubOverrideApproved, [weak](const core::RecordedEvent& e) {
            if (auto self = weak.lock()) {
                self->onHubOverrideApproved(e);
            }
        }));
    if (auto r = impl.startPolling(); !r) {
        return r.error();
    }
    // Nothing resends them: the plant may have changed since, and a new approval decides.
    for (auto& approved : impl.lostAtRestart) {
        approved["error"] = "restart";
        approved["message"] = "the daemon restarted before the command's outcome was known";
        impl.parts.recorder.record(
            core::Event{impl.parts.clock.nowUs(), std::string(kPowerCommandFailed.name),
                        "power:" + approved.value("device", ""), approved.value("requested_by", ""),
                        approved.dump()});
    }
    impl.lostAtRestart.clear();
    impl.armTimer();
    return {};
}

void PowerService::stop() {
    auto& impl = *impl_;
    impl.running = false;
    impl.timer.cancel();
    impl.tokens.clear();
    for (auto& [id, poller] : impl.pollers) {
        poller->stop();
    }
    impl.pollers.clear();
    for (auto& poller : impl.nutPollers) {
        poller->stop();
    }
    impl.nutPollers.clear();
}

std::vector<core::ApiRoute> PowerService::routes() {
    std::vector<core::ApiRoute> out;
    std::weak_ptr<Impl> weak = impl_;
    const auto route = [&](core::HttpMethod method, std::string pattern, core::RoleSet roles,
                           std::function<void(Impl&, const ApiCall&, const ApiReply&)> member) {
        out.push_back(core::ApiRoute{method, std::move(pattern), std::move(roles), core::RunOn::io,
                                     [weak, member](const ApiCall& call, ApiReply reply) {
                                         if (auto self = weak.lock()) {
                                             member(*self, call, reply);
                                         }
                                     }});
    };
    using core::HttpMethod;
    route(HttpMethod::get, "/api/power", kPowerViewers,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.getPower(c, r); });
    route(HttpMethod::post, "/api/power/commands", kPowerRequesters,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postCommand(c, r); });
    route(HttpMethod::post, "/api/power/refuel", kPowerRequesters,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postRefuel(c, r); });
    route(HttpMethod::get, "/api/power/hubs", kPowerViewers,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.getHubs(c, r); });
    route(HttpMethod::post, "/api/power/hubs/overrides", kPowerRequesters,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postHubOverride(c, r); });
    // The trend: a blocking read of the store, on a console worker (never the io thread).
    std::shared_ptr<core::TelemetryStore> store = impl_->store;
    const std::set<std::string> names = impl_->pointNames;
    const core::Clock& clock = impl_->parts.clock;
    out.push_back(core::ApiRoute{
        HttpMethod::get, "/api/power/trend", kPowerViewers, core::RunOn::worker,
        [store, names, &clock](const ApiCall& call, ApiReply reply) {
            const auto point = call.query.find("point");
            if (point == call.query.end() || names.count(point->second) == 0) {
                reply(powerError(400, "power.bad_request",
                                 "point: one of the points GET /api/power lists"));
                return;
            }
            const core::TimeUs now = clock.nowUs();
            auto from = queryNumber(call, "from_us", now - core::kTelemetryHourUs);
            auto to = queryNumber(call, "to_us", now + 1);
            if (!from || !to || *from >= *to) {
                reply(powerError(400, "power.bad_request",
                                 "from_us and to_us: microseconds, from before to"));
                return;
            }
            core::TelemetryQuery query;
            query.point = point->second;
            query.fromUs = *from;
            query.toUs = *to;
            query.limit = 5000;
            auto series = store->query(query);
            if (!series) {
                reply(powerError(503, series.error().code, series.error().message));
                return;
            }
            json buckets = json::array();
            for (const auto& b : series->buckets) {
                buckets.push_back(json::array({b.timeUs, b.min, b.max, b.avg}));
            }
            reply(ApiResult{200,
                            {{"point", series->point},
                             {"unit", series->unit},
                             {"resolution", std::string(core::toString(series->resolution))},
                             {"truncated", series->truncated},
                             {"buckets", buckets}}});
        }});
    return out;
}

std::vector<core::EventVisibility> PowerService::eventVisibility() {
    // The plant's points record their quality changes as telemetry.* (core/telemetry_events).
    return {{"power.", kPowerViewers}, {"telemetry.", kPowerViewers}};
}

std::optional<core::UiPlugin> PowerService::uiPlugin() {
    return core::UiPlugin{"power", impl_->parts.webDir, "index.js", kPowerViewers};
}

}  // namespace sekimori::power
