#include "custody/custody_service.hpp"

#include <set>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/api_actor.hpp"
#include "core/core_event_types.hpp"
#include "core/log.hpp"
#include "custody/custody_event_types.hpp"
#include "custody/custody_rebuild.hpp"
#include "custody/custody_requests.hpp"
#include "custody/custody_views.hpp"
#include "custody/device_messages.hpp"
#include "policy/portal_holds.hpp"
#include "policy/rfc3339.hpp"
#include "policy/zone_access_query.hpp"

namespace sekimori::custody {

namespace {

using json = nlohmann::json;
using core::ApiCall;
using core::ApiReply;
using core::ApiResult;

constexpr std::string_view kComponent = "custody";

ApiResult custodyError(int status, std::string_view code, std::string message) {
    return ApiResult{status, json{{"error", std::move(message)}, {"code", std::string(code)}}};
}

// A comment: optional, a string of at most 500 characters.
core::Result<std::string> commentOf(const json& body, bool required) {
    if (!body.is_object()) {
        return core::makeError("custody.bad_request", "the body must be a JSON object");
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "comment") {
            return core::makeError("custody.bad_request", "body." + key + ": unknown field");
        }
    }
    auto it = body.find("comment");
    if (it == body.end() || (it->is_string() && it->get<std::string>().empty())) {
        if (required) {
            return core::makeError("custody.bad_request",
                                   "body.comment: required (what the guard found)");
        }
        return std::string();
    }
    if (!it->is_string() || it->get<std::string>().size() > 500) {
        return core::makeError("custody.bad_request",
                               "body.comment: a string of at most 500 characters");
    }
    return it->get<std::string>();
}

}  // namespace

struct CustodyService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(CustodyServiceParts p) : parts(std::move(p)), dueTimer(parts.executor) {}

    CustodyServiceParts parts;
    CustodyState state;
    bool ready = false;
    bool running = false;
    std::uint64_t appliedSeq = 0;            // the newest trail seq in `state`
    std::vector<core::RecordedEvent> early;  // recorded while the rebuild ran
    std::vector<core::EventBus::Token> tokens;
    std::vector<io::MqttRouter::Subscription> subscriptions;
    boost::asio::steady_timer dueTimer;
    std::thread rebuildThread;
    std::map<std::string, DeviceView> devices;   // by device id: online, slots read
    std::map<std::string, std::uint64_t> acked;  // device -> newest seq acknowledged
    std::set<std::string> committing;            // "device#seq" and alarm keys in flight
    // A device resends an unreadable report every second (it is never acknowledged): recorded
    // once, then at most once a minute with how many were not recorded meanwhile.
    struct Unreadable {
        core::TimeUs lastUs = 0;
        std::uint64_t suppressed = 0;
    };
    std::map<std::string, Unreadable> unreadable;  // by device

    // ----- the bus -----
    void onRecorded(const core::RecordedEvent& e) {
        if (!ready) {
            early.push_back(e);
            return;
        }
        applyLive(e);
    }

    void applyLive(const core::RecordedEvent& e) {
        if (e.seq <= appliedSeq) {
            return;
        }
        appliedSeq = e.seq;
        const std::string& type = e.event.type;
        static const json empty = json::object();
        const json& body = e.body ? *e.body : empty;
        if (type == "access.granted") {
            onGrant(body);
            return;
        }
        state.apply(type, body, e.event.timeUs);
        if (type == "presence.entered" || type == "presence.left") {
            const std::string person = body.value("person", "");
            commitAlarms(
                presenceEvents(parts.config, state, parts.zones, person, parts.clock.nowUs()));
        } else if (type == kCustodyDetection.name || type == kCustodyDetectionCleared.name) {
            publishHolds();
        }
        if (type.starts_with("custody.key_")) {
            armDueTimer();
        }
    }

    // A grant at a cabinet's door releases the slots this person may take.
    void onGrant(const json& body) {
        if (body.value("side", "") != "entry") {
            return;
        }
        const std::string door = body.value("door", "");
        for (const auto& cabinet : parts.config.cabinets) {
            if (cabinet.door != door) {
                continue;
            }
            const std::string person = body.value("person", "");
            const core::TimeUs now = parts.clock.nowUs();
            core::Event release = releaseEvent(
                parts.config, state, cabinet, person,
                [this, now](const std::string& p, const std::string& z) {
                    return mayEnter(p, z, now);
                },
                now);
            const json payload = json::parse(release.payload);
            std::vector<int> slots = payload.at("slots").get<std::vector<int>>();
            core::Change change;
            change.events.push_back(std::move(release));
            change.onDone = [weak = weak_from_this(), id = cabinet.id, slots,
                             forMs = static_cast<std::int64_t>(cabinet.release.count()) * 1000,
                             ref = payload.at("until_us").dump()](const core::Result<void>& r) {
                auto self = weak.lock();
                if (!self || !r || slots.empty()) {
                    if (self && !r) {
                        core::logError(kComponent, "a release at " + id +
                                                       " could not be recorded: " +
                                                       r.error().message + "; nothing released");
                    }
                    return;
                }
                // Only once the release is durable does the cabinet unlock a slot.
                self->parts.router.publish(deviceTopic(self->parts.site, id, "command"),
                                           releaseCommand(slots, forMs, ref));
            };
            parts.recorder.commit(std::move(change));
        }
    }

    ZoneAnswer mayEnter(const std::string& person, const std::string& zone, core::TimeUs now) {
        policy::ZoneAccessQuery query{person, zone, now};
        parts.bus.publish(query);
        if (!query.answered) {
            return ZoneAnswer{false, "", "store_unavailable"};  // nobody decides: fail secure
        }
        return ZoneAnswer{query.allowed, query.personName, query.reason};
    }

    void publishHolds() {
        auto holds = std::make_shared<std::map<std::string, std::string, std::less<>>>();
        for (const auto& [detector, hold] : state.holds()) {
            const auto* d = parts.config.detector(detector);
            (*holds)[hold.portal] = "metal detector " + (d != nullptr ? d->name : detector) +
                                    ": detection, level " + std::to_string(hold.level);
        }
        parts.bus.publish(policy::PortalHoldsPublished{"custody", std::move(holds)});
    }

    // Alarm events made by the state (overdue, holder left, item left inside): each once.
    void commitAlarms(std::vector<core::Event> events) {
        for (auto& e : events) {
            const std::string key = e.type + "#" + e.source;
            if (!committing.insert(key).second) {
                continue;
            }
            core::Change change;
            change.events.push_back(std::move(e));
            change.onDone = [weak = weak_from_this(), key](const core::Result<void>& r) {
                if (auto self = weak.lock()) {
                    self->committing.erase(key);
                    if (!r) {
                        core::logError(kComponent, key + " could not be recorded: " +
                                                       r.error().message + "; checked again");
                    }
                }
            };
            parts.recorder.commit(std::move(change));
        }
    }

    void armDueTimer() {
        dueTimer.cancel();
        const core::TimeUs due = nextDue(state);
        if (due == 0 || !running) {
            return;
        }
        const core::TimeUs wait = std::max<core::TimeUs>(0, due - parts.clock.nowUs());
        dueTimer.expires_after(std::chrono::microseconds(wait));
        dueTimer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->commitAlarms(
                overdueEvents(self->parts.config, self->state, self->parts.clock.nowUs()));
        });
    }

    // ----- the devices -----
    void onStatus(const io::MqttMessage& message) {
        const std::string device = deviceOf(parts.site, message.topic, "status");
        if (device.empty()) {
            return;
        }
        auto status = parseDeviceStatus(message.payload);
        if (!status) {
            badPayload(message.topic, device, status.error().message);
            return;
        }
        if (!parts.config.cabinet(device) && !parts.config.detector(device)) {
            badPayload(message.topic, device, "device is not configured");
            return;
        }
        DeviceView& view = devices[device];
        view.slots = status->slots;
        view.known = true;
        if (view.online == status->online) {
            return;
        }
        view.online = status->online;
        parts.recorder.record(core::Event{
            parts.clock.nowUs(),
            std::string(status->online ? kCustodyDeviceOnline.name : kCustodyDeviceOffline.name),
            "device:" + device, "", json{{"device", device}}.dump()});
    }

    void onReport(const io::MqttMessage& message) {
        const std::string device = deviceOf(parts.site, message.topic, "report");
        if (device.empty()) {
            return;
        }
        if (!ready) {
            return;  // not acknowledged: the device sends it again
        }
        auto report = parseDeviceReport(message.payload);
        if (!report) {
            badPayload(message.topic, device, report.error().message);
            return;
        }
        const std::uint64_t done = std::max(state.lastSeq(device), acked[device]);
        if (report->seq <= done) {
            ack(device, done);  // a resend of what is durable: acknowledged again
            return;
        }
        const std::string flight = device + "#" + std::to_string(report->seq);
        if (!committing.insert(flight).second) {
            return;  // its commit is on its way
        }
        ReportOutcome outcome =
            reportEvents(parts.config, state, device, *report, parts.clock.nowUs());
        if (!outcome.refusal.empty()) {
            outcome.events.push_back(core::Event{parts.clock.nowUs(),
                                                 std::string(core::kMqttBadPayload.name),
                                                 "device:" + device, "",
                                                 json{{"topic", message.topic},
                                                      {"device", device},
                                                      {"report_seq", report->seq},
                                                      {"error", outcome.refusal}}
                                                     .dump()});
        }
        core::Change change;
        change.events = std::move(outcome.events);
        change.onDone = [weak = weak_from_this(), device, flight,
                         seq = report->seq](const core::Result<void>& r) {
            auto self = weak.lock();
            if (!self) {
                return;
            }
            self->committing.erase(flight);
            if (!r) {
                core::logError(kComponent, "a report of " + device + " could not be recorded: " +
                                               r.error().message + "; not acknowledged");
                return;
            }
            self->acked[device] = std::max(self->acked[device], seq);
            self->ack(device, seq);
        };
        parts.recorder.commit(std::move(change));
    }

    void ack(const std::string& device, std::uint64_t seq) {
        parts.router.publish(deviceTopic(parts.site, device, "command"), ackCommand(seq));
    }

    void badPayload(const std::string& topic, const std::string& device, const std::string& why) {
        constexpr core::TimeUs kQuietUs = 60'000'000;
        const core::TimeUs now = parts.clock.nowUs();
        Unreadable& u = unreadable[device];
        if (u.lastUs != 0 && now - u.lastUs < kQuietUs) {
            ++u.suppressed;
            return;
        }
        parts.recorder.record(core::Event{now, std::string(core::kMqttBadPayload.name),
                                          "device:" + device, "",
                                          json{{"topic", topic},
                                               {"device", device},
                                               {"error", why},
                                               {"not_recorded_before", u.suppressed}}
                                              .dump()});
        u = Unreadable{now, 0};
    }

    // ----- routes -----
    void getCustody(const ApiCall&, const ApiReply& reply) {
        if (!ready) {
            reply(custodyError(503, "custody.not_ready", "the custody state is being rebuilt"));
            return;
        }
        reply(ApiResult{200, custodyJson(parts.config, state, devices, parts.clock.nowUs())});
    }

    void postItem(const ApiCall& call, const ApiReply& reply) {
        auto action = parseItemRequest(call.body, parts.clock.nowUs());
        if (!action) {
            reply(custodyError(400, action.error().code, action.error().message));
            return;
        }
        const std::string person = action->value("person", "");
        if (!namePerson(*action, reply)) {
            return;
        }
        requestApproval(call, kCarryInKind, std::move(*action), "carry-in for " + person, person,
                        reply);
    }

    void postKeyRequest(const ApiCall& call, const ApiReply& reply) {
        auto action = parseKeyRequest(call.body, parts.config, parts.clock.nowUs());
        if (!action) {
            reply(custodyError(400, action.error().code, action.error().message));
            return;
        }
        const std::string person = action->value("person", "");
        const std::string key = action->value("key", "");
        if (!namePerson(*action, reply)) {
            return;
        }
        requestApproval(call, kKeyIssueKind, std::move(*action), "key " + key + " for " + person,
                        person, reply);
    }

    // The person must be enrolled (the doors' answer names them): their name rides along.
    bool namePerson(json& action, const ApiReply& reply) {
        const std::string person = action.value("person", "");
        const std::string zone =
            parts.config.carryInZone.empty()
                ? (parts.zones.parents.empty() ? std::string() : parts.zones.parents.begin()->first)
                : parts.config.carryInZone;
        const ZoneAnswer answer = mayEnter(person, zone, parts.clock.nowUs());
        if (answer.personName.empty()) {
            reply(custodyError(400, "custody.bad_request",
                               "body.person: \"" + person + "\" is not an enrolled person"));
            return false;
        }
        action["person_name"] = answer.personName;
        return true;
    }

    void requestApproval(const ApiCall& call, std::string_view kind, json action,
                         std::string summary, std::string person, const ApiReply& reply) {
        parts.approvals.request(
            call, std::string(kind), std::move(action), std::move(summary), std::move(person),
            [reply](core::Result<policy::ApprovalRequest> requested) {
                if (!requested) {
                    reply(custodyError(policy::approvalErrorStatus(requested.error()),
                                       requested.error().code, requested.error().message));
                    return;
                }
                reply(ApiResult{202,
                                {{"approval",
                                  {{"id", requested->id},
                                   {"kind", requested->kind},
                                   {"state", requested->state},
                                   {"expires_us", requested->expiresUs}}}}});
            });
    }

    void postItemCheck(const ApiCall& call, const ApiReply& reply, bool in) {
        auto comment = commentOf(call.body.is_null() ? json::object() : call.body, false);
        if (!comment) {
            reply(custodyError(400, comment.error().code, comment.error().message));
            return;
        }
        const std::string id = call.params.at("id");
        const Item* item = state.item(id);
        if (item == nullptr) {
            reply(custodyError(404, "custody.not_found", "no carried-in item " + id));
            return;
        }
        if (!call.actorPerson.empty() && call.actorPerson == item->person) {
            // The check is the second pair of eyes on what the owner carries.
            reply(custodyError(403, "custody.own_item",
                               "operator " + call.actor + " is linked to person '" + item->person +
                                   "' and cannot check their own item"));
            return;
        }
        const core::TimeUs now = parts.clock.nowUs();
        if (in) {
            if (item->checkedIn && !item->checkedOut) {
                reply(custodyError(409, "custody.already_in", id + " is checked in already"));
                return;
            }
            if (now < item->validFromUs || now >= item->validUntilUs) {
                reply(custodyError(409, "custody.outside_validity",
                                   id + " is approved for another time (its visit)"));
                return;
            }
        } else if (!item->checkedIn || item->checkedOut) {
            reply(custodyError(409, "custody.not_in", id + " is not checked in"));
            return;
        }
        json payload = core::actorFields(call);
        payload.update(json{{"item", id},
                            {"person", item->person},
                            {"person_name", item->personName},
                            {"kind", item->kind},
                            {"description", item->description},
                            {"comment", *comment}});
        commitThen(
            core::Event{now,
                        std::string(in ? kCustodyItemCheckedIn.name : kCustodyItemCheckedOut.name),
                        core::actorSource(call), item->person, payload.dump()},
            "item:" + id, reply);
    }

    void postClear(const ApiCall& call, const ApiReply& reply) {
        auto comment = commentOf(call.body, true);
        if (!comment) {
            reply(custodyError(400, comment.error().code, comment.error().message));
            return;
        }
        const std::string id = call.params.at("id");
        const MetalDetectorConfig* detector = parts.config.detector(id);
        if (detector == nullptr) {
            reply(custodyError(404, "custody.not_found", "no metal detector " + id));
            return;
        }
        if (!state.holds().contains(id)) {
            reply(custodyError(409, "custody.not_held", detector->portal + " is not held"));
            return;
        }
        json payload = core::actorFields(call);
        payload.update(json{{"detector", id}, {"portal", detector->portal}, {"comment", *comment}});
        commitThen(core::Event{parts.clock.nowUs(), std::string(kCustodyDetectionCleared.name),
                               core::actorSource(call), "", payload.dump()},
                   "detector:" + id, reply);
    }

    // One operator write: refused 409 while the same one is on its way; answered once durable.
    void commitThen(core::Event event, const std::string& what, const ApiReply& reply) {
        const std::string key = "route#" + what;
        if (!committing.insert(key).second) {
            reply(custodyError(409, "custody.busy", what + ": a change is already on its way"));
            return;
        }
        core::Change change;
        change.events.push_back(std::move(event));
        change.onDone = [weak = weak_from_this(), key, reply](const core::Result<void>& r) {
            if (auto self = weak.lock()) {
                self->committing.erase(key);
            }
            if (!r) {
                reply(custodyError(503, "custody.store_unavailable", r.error().message));
                return;
            }
            reply(ApiResult{200, json{{"ok", true}}});
        };
        parts.recorder.commit(std::move(change));
    }

    // ----- start -----
    void rebuilt(core::Result<RebuiltCustody> result) {
        if (!running) {
            return;
        }
        if (!result) {
            // Serving without the trail's state would release keys to the wrong holder.
            core::logError(kComponent, "the custody state could not be rebuilt from the trail: " +
                                           result.error().message + "; custody does not serve");
            return;
        }
        state = std::move(result->state);
        appliedSeq = result->lastSeq;
        ready = true;
        publishHolds();
        for (auto& e : std::exchange(early, {})) {
            applyLive(e);
        }
        armDueTimer();
        // What the trail knows became due while the daemon was down.
        commitAlarms(overdueEvents(parts.config, state, parts.clock.nowUs()));
        if (state.malformed() > 0) {
            core::logWarning(kComponent, std::to_string(state.malformed()) +
                                             " custody rows of the trail could not be read");
        }
        core::logInfo(kComponent, "custody rebuilt from the audit trail");
    }

    void joinRebuild() {
        if (rebuildThread.joinable()) {
            rebuildThread.join();
        }
    }
};

core::Result<std::unique_ptr<CustodyService>> CustodyService::create(CustodyServiceParts parts) {
    auto impl = std::make_shared<Impl>(std::move(parts));
    std::weak_ptr<Impl> weak = impl;
    // Subscribed before anything runs, so nothing recorded after the rebuild's read is missed.
    const auto handler = [weak](const core::RecordedEvent& e) {
        if (auto self = weak.lock()) {
            self->onRecorded(e);
        }
    };
    for (const char* prefix : {"custody.", "presence."}) {
        impl->tokens.push_back(impl->parts.bus.subscribe(prefix, handler));
    }
    impl->tokens.push_back(impl->parts.bus.subscribe(core::EventType{"access.granted"}, handler));
    registerApprovalKinds(impl->parts.approvals, impl->parts.config, impl->parts.clock);
    return std::unique_ptr<CustodyService>(new CustodyService(std::move(impl)));
}

CustodyService::CustodyService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

CustodyService::~CustodyService() {
    stop();
    impl_->joinRebuild();
}

core::Result<void> CustodyService::start() {
    auto& impl = *impl_;
    impl.running = true;
    std::weak_ptr<Impl> weak = impl_;
    const std::string prefix = "sekimori/" + impl.parts.site + "/device/+/";
    impl.subscriptions.push_back(
        impl.parts.router.subscribe(prefix + "status", [weak](const io::MqttMessage& m) {
            if (auto self = weak.lock()) {
                self->onStatus(m);
            }
        }));
    impl.subscriptions.push_back(impl.parts.router.subscribe(
        prefix + "report",
        [weak](const io::MqttMessage& m) {
            if (auto self = weak.lock()) {
                self->onReport(m);
            }
        },
        io::MqttRouter::Retained::ignore));
    impl.rebuildThread =
        std::thread([weak, path = impl.parts.databasePath, executor = impl.parts.executor] {
            auto rebuilt = [&]() -> core::Result<RebuiltCustody> {
                auto db = core::Database::open(path, core::Database::Mode::readOnly);
                if (!db) {
                    return db.error();
                }
                return rebuildCustody(**db);
            }();
            boost::asio::post(executor, [weak, rebuilt = std::move(rebuilt)]() mutable {
                if (auto self = weak.lock()) {
                    self->rebuilt(std::move(rebuilt));
                }
            });
        });
    return {};
}

void CustodyService::stop() {
    auto& impl = *impl_;
    if (!impl.running) {
        return;
    }
    impl.running = false;
    impl.dueTimer.cancel();
    impl.subscriptions.clear();
}

std::vector<core::ApiRoute> CustodyService::routes() {
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
    route(HttpMethod::get, "/api/custody", kCustodyViewers,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.getCustody(c, r); });
    route(HttpMethod::post, "/api/custody/items", kCustodyRegistrars,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postItem(c, r); });
    route(HttpMethod::post, "/api/custody/key_requests", kCustodyRegistrars,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postKeyRequest(c, r); });
    route(HttpMethod::post, "/api/custody/items/{id}/check_in", kCustodyGuards,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postItemCheck(c, r, true); });
    route(HttpMethod::post, "/api/custody/items/{id}/check_out", kCustodyGuards,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postItemCheck(c, r, false); });
    route(HttpMethod::post, "/api/custody/detectors/{id}/clear", kCustodyGuards,
          [](Impl& i, const ApiCall& c, const ApiReply& r) { i.postClear(c, r); });
    return out;
}

std::vector<core::EventVisibility> CustodyService::eventVisibility() {
    return {{"custody.", kCustodyViewers}};
}

std::optional<core::UiPlugin> CustodyService::uiPlugin() {
    return core::UiPlugin{"custody", impl_->parts.webDir, "index.js", kCustodyViewers};
}

}  // namespace sekimori::custody
