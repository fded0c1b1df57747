#include "vault/vault_service.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>
#include <thread>

#include "core/log.hpp"
#include "policy/rfc3339.hpp"
#include "vault/authorize.hpp"
#include "vault/signed_request.hpp"
#include "vault/vault_body.hpp"
#include "vault/vault_event_types.hpp"
#include "vault/vault_rebuild.hpp"
#include "vault/vault_state.hpp"

namespace sekimori::vault {
namespace {

using json = nlohmann::json;
using core::ApiCall;
using core::ApiReply;
using core::ApiResult;
using core::Role;

constexpr const char* kComponent = "vault";
constexpr core::TimeUs kRefusalRecordEveryUs = 10'000'000;

ApiResult vaultError(int status, const std::string& code, const std::string& message) {
    return ApiResult{status, json{{"error", message}, {"code", code}}};
}

int statusOf(const std::string& code) {
    if (code == "vault.unauthenticated" || code == "vault.stale" || code == "vault.replayed") {
        return 401;
    }
    if (code == "vault.bad_request") {
        return 400;
    }
    return 500;
}

std::string methodName(core::HttpMethod m) {
    switch (m) {
        case core::HttpMethod::get:
            return "GET";
        case core::HttpMethod::post:
            return "POST";
        case core::HttpMethod::put:
            return "PUT";
        case core::HttpMethod::patch:
            return "PATCH";
        case core::HttpMethod::del:
            return "DELETE";
    }
    return "GET";
}

}  // namespace

struct VaultService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(VaultServiceParts p)
        : parts(std::move(p)),
          areas(parts.config.areas.begin(), parts.config.areas.end()),
          authenticator(parts.vaultKeys, parts.config.clockSkew.count()),
          endTimer(parts.executor),
          resendTimer(parts.executor) {}

    VaultServiceParts parts;
    std::set<std::string> areas;
    RequestAuthenticator authenticator;
    VaultState state;
    bool ready = false;
    bool rebuildFailed = false;  // then nothing is buffered: the link stays at 503
    bool running = false;
    std::vector<core::RecordedEvent> early;  // recorded before the rebuild was read
    std::vector<core::EventBus::Token> tokens;
    io::MqttRouter::Subscription connection;
    boost::asio::steady_timer endTimer;
    boost::asio::steady_timer resendTimer;
    std::thread rebuildThread;
    std::set<std::string> committing;  // approval ids on their way to the store
    struct Refusals {
        core::TimeUs lastUs = 0;
        std::uint64_t suppressed = 0;
    };
    std::map<std::string, Refusals> refusals;  // by reason
    std::set<std::string> overstayCommitting;  // persons

    // --- the trail ---------------------------------------------------------------------------
    void onRecorded(const core::RecordedEvent& event) {
        if (!ready) {
            if (!rebuildFailed) {
                early.push_back(event);
            }
            return;
        }
        take(event);
    }

    void take(const core::RecordedEvent& event) {
        static const json empty = json::object();
        const json& payload = event.body ? *event.body : empty;
        // A revoked window ends now: its holder, if inside, overstays as at a window's end.
        std::optional<policy::WorkWindow> revoked;
        if (event.event.type == kVaultWindowRevoked.name && payload.contains("approval_id") &&
            payload["approval_id"].is_string()) {
            if (const auto* w = state.book.window(payload["approval_id"].get<std::string>())) {
                revoked = *w;
            }
        }
        const PresencePush* push = apply(state, parts.vaultKeys, areas, event.seq, event.event.type,
                                         payload, event.event.timeUs);
        if (push != nullptr) {
            publish(*push);
        }
        if (state.bookChanged) {
            publishBook();
            armEndTimer(parts.clock.nowUs());  // a new window may end before the timer's turn
        }
        if (event.event.type == "presence.left" || event.event.type == kVaultWindowApproved.name) {
            clearOverstays();
        }
        if (revoked && state.book.window(revoked->approvalId) == nullptr) {
            const core::TimeUs now = parts.clock.nowUs();
            revoked->toUs = std::min(revoked->toUs, now);
            raiseOverstayIfInside(*revoked, now);
        }
    }

    void rebuilt(core::Result<VaultState> rebuiltState) {
        if (!running) {
            return;
        }
        if (!rebuiltState) {
            core::logError(kComponent, "the vault link could not be rebuilt from the trail (" +
                                           rebuiltState.error().message +
                                           "); vault requests answer 503");
            rebuildFailed = true;
            early.clear();
            return;
        }
        state = std::move(*rebuiltState);
        if (state.refusedRequests != 0) {
            core::logError(kComponent,
                           std::to_string(state.refusedRequests) +
                               " recorded vault request(s) do not carry a valid vault signature "
                               "and were not applied (first: " +
                               state.firstRefusal + "); run sekimori audit verify");
        }
        for (const auto& [nonce, timestamp] : state.nonces) {
            authenticator.remember(nonce, timestamp);
        }
        state.nonces.clear();
        ready = true;
        auto buffered = std::move(early);
        early.clear();
        for (const auto& e : buffered) {
            take(e);
        }
        publishBook();
        resendAll();
        checkWindowEnds();
        armResend();
    }

    void publishBook() {
        state.bookChanged = false;
        state.nonces.clear();
        parts.bus.publish(policy::WorkWindowsPublished{
            std::make_shared<const policy::WorkWindowBook>(state.book)});
    }

    // --- presence pushes -------------------------------------------------------------------
    void publish(const PresencePush& push) {
        parts.router.publish(pushTopic(parts.site), encodePush(push, parts.utcOffsetMinutes));
    }
    void resendAll() {
        for (const auto& push : state.outbox.pending()) {
            publish(push);
        }
    }
    void armResend() {
        resendTimer.expires_after(parts.config.pushResend);
        resendTimer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->resendAll();
            self->armResend();
        });
    }

    // --- window ends -----------------------------------------------------------------------
    // Someone inside an area whose windows for it have all ended is an overstay, raised once.
    void checkWindowEnds() {
        const core::TimeUs now = parts.clock.nowUs();
        std::map<std::string, const policy::WorkWindow*> ended;  // person -> latest ended
        for (const auto& [id, w] : state.book.windows()) {
            if (w.toUs <= now && state.presence.inside(w.person, w.area)) {
                auto& slot = ended[w.person];
                if (slot == nullptr || slot->toUs < w.toUs) {
                    slot = &w;
                }
            }
        }
        for (const auto& [person, w] : ended) {
            raiseOverstayIfInside(*w, now);
        }
        armEndTimer(now);
    }

    // Records vault.window_ended_inside for the window's holder when they are inside its area
    // with no other window open for it, once (not while one is open or on its way).
    void raiseOverstayIfInside(const policy::WorkWindow& window, core::TimeUs now) {
        const std::string& person = window.person;
        if (!state.presence.inside(person, window.area) ||
            state.book.openWindow(person, window.area, now) != nullptr ||
            state.overstays.count(person) != 0 || overstayCommitting.count(person) != 0) {
            return;
        }
        const auto* occupant = state.presence.whereIs(person);
        json payload{{"person", person},
                     {"person_name", occupant != nullptr ? occupant->name : std::string()},
                     {"area", window.area},
                     {"approval_id", window.approvalId},
                     {"ended_us", window.toUs},
                     {"ended", policy::formatRfc3339(window.toUs, parts.utcOffsetMinutes)}};
        overstayCommitting.insert(person);
        core::Change change;
        change.events.push_back(core::Event{now, std::string(kVaultWindowEndedInside.name),
                                            "zone:" + window.area, person, payload.dump()});
        change.onDone = [weak = weak_from_this(), person](const core::Result<void>& r) {
            if (auto self = weak.lock()) {
                self->overstayCommitting.erase(person);
                if (!r) {
                    core::logError(kComponent, "an overstay of " + person +
                                                   " could not be recorded: " + r.error().message +
                                                   "; checked again");
                }
            }
        };
        parts.recorder.commit(std::move(change));
    }

    void armEndTimer(core::TimeUs now) {
        const core::TimeUs next = state.book.nextEndAfter(now);
        // A failed record is tried again within a minute; so is a clock that jumped.
        const core::TimeUs waitUs =
            next == 0 ? 60'000'000 : std::min<core::TimeUs>(next - now + 1'000, 60'000'000);
        endTimer.expires_after(std::chrono::microseconds(waitUs));
        endTimer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->checkWindowEnds();
        });
    }

    void clearOverstays() {
        const core::TimeUs now = parts.clock.nowUs();
        std::vector<Overstay> cleared;
        for (const auto& [person, o] : state.overstays) {
            if (!state.presence.inside(person, o.area) ||
                state.book.openWindow(person, o.area, now) != nullptr) {
                cleared.push_back(o);
            }
        }
        for (const auto& o : cleared) {
            if (!overstayCommitting.insert(o.person).second) {
                continue;
            }
            const bool left = !state.presence.inside(o.person, o.area);
            json payload{{"person", o.person},
                         {"area", o.area},
                         {"approval_id", o.approvalId},
                         {"why", left ? "left" : "new_window"}};
            core::Change change;
            change.events.push_back(core::Event{now, std::string(kVaultOverstayCleared.name),
                                                "zone:" + o.area, o.person, payload.dump()});
            change.onDone = [weak = weak_from_this(),
                             person = o.person](const core::Result<void>&) {
                if (auto self = weak.lock()) {
                    self->overstayCommitting.erase(person);
                }
            };
            parts.recorder.commit(std::move(change));
        }
        armEndTimer(now);  // a new window moves the next end
    }

    // --- requests ------------------------------------------------------------------------------
    // The signed request, or the refusal already answered (and recorded, at most one record per
    // reason every 10 s so a flood cannot fill the trail; the count of the rest rides along).
    std::optional<SignedRequest> authenticate(const ApiCall& call, core::HttpMethod method,
                                              const ApiReply& reply) {
        if (!ready) {
            reply(vaultError(503, "vault.starting",
                             "the vault link is reading its state back from the trail; retry"));
            return std::nullopt;
        }
        auto request = authenticator.check(call.headers, methodName(method), call.target,
                                           call.rawBody, parts.clock.nowUs());
        if (!request) {
            refuse(call, method, request.error().code, request.error().message, reply);
            return std::nullopt;
        }
        return std::move(*request);
    }

    void refuse(const ApiCall& call, core::HttpMethod method, const std::string& code,
                const std::string& message, const ApiReply& reply) {
        const int status = code == "vault.forbidden" ? 403 : statusOf(code);
        const core::TimeUs now = parts.clock.nowUs();
        auto& r = refusals[code];
        if (r.lastUs == 0 || now - r.lastUs >= kRefusalRecordEveryUs) {
            json payload{{"reason", code},
                         {"status", status},
                         {"method", methodName(method)},
                         {"target", call.target.substr(0, 256)},
                         {"remote", call.remote},
                         {"suppressed", r.suppressed}};
            parts.recorder.record(core::Event{now, std::string(kVaultRequestRefused.name), "vault",
                                              "", payload.dump()});
            r.lastUs = now;
            r.suppressed = 0;
        } else {
            ++r.suppressed;
        }
        reply(vaultError(status, code, message));
    }

    json actor(const ApiCall& call) const { return {{"actor", "vault"}, {"remote", call.remote}}; }

    // Records the request's event and answers once it is durable.
    void commitThen(core::Event event, ApiReply reply, json answer,
                    std::function<void()> onDurable = {}) {
        core::Change change;
        change.events.push_back(std::move(event));
        change.onDone = [reply = std::move(reply), answer = std::move(answer),
                         onDurable = std::move(onDurable)](const core::Result<void>& r) {
            if (onDurable) {
                onDurable();
            }
            if (!r) {
                reply(vaultError(503, "vault.store_unavailable",
                                 "the change could not be stored: " + r.error().message));
                return;
            }
            reply(ApiResult{200, answer});
        };
        parts.recorder.commit(std::move(change));
    }

    void postHandlers(const ApiCall& call, const ApiReply& reply) {
        auto request = authenticate(call, core::HttpMethod::post, reply);
        if (!request) {
            return;
        }
        auto body = parseHandlersBody(request->body);
        if (!body) {
            reply(vaultError(400, body.error().code, body.error().message));
            return;
        }
        json set = json::array();
        json removed = json::array();
        for (const auto& d : body->set) {
            for (const auto& area : d.areas) {
                if (areas.count(area) == 0) {
                    refuse(call, core::HttpMethod::post, "vault.forbidden",
                           "\"" + area + "\" is not an area the vault speaks for ([vault] areas)",
                           reply);
                    return;
                }
            }
            if (d.areas.empty()) {
                removed.push_back(d.person);
            } else {
                set.push_back({{"person", d.person}, {"areas", d.areas}});
            }
        }
        json payload = actor(call);
        payload["set"] = set;
        payload["removed"] = removed;
        payload["request"] = requestJson(*request);
        const std::size_t count = body->set.size();
        commitThen(core::Event{parts.clock.nowUs(), std::string(kVaultHandlersChanged.name),
                               "vault", "", payload.dump()},
                   reply, json{{"changed", count}});
    }

    void postWindow(const ApiCall& call, const ApiReply& reply) {
        auto request = authenticate(call, core::HttpMethod::post, reply);
        if (!request) {
            return;
        }
        auto window = parseWindowBody(request->body);
        if (!window) {
            reply(vaultError(400, window.error().code, window.error().message));
            return;
        }
        if (areas.count(window->area) == 0) {
            refuse(call, core::HttpMethod::post, "vault.forbidden",
                   "\"" + window->area + "\" is not an area the vault speaks for", reply);
            return;
        }
        if (!state.book.isHandler(window->person, window->area)) {
            refuse(call, core::HttpMethod::post, "vault.forbidden",
                   window->person + " is not a designated handler of " + window->area, reply);
            return;
        }
        if (window->toUs <= parts.clock.nowUs()) {
            reply(vaultError(400, "vault.bad_request", "body.to: the window has already ended"));
            return;
        }
        if (const auto* known = state.book.window(window->approvalId)) {
            const bool same = known->person == window->person && known->area == window->area &&
                              known->fromUs == window->fromUs && known->toUs == window->toUs;
            if (!same) {
                reply(vaultError(409, "vault.conflict",
                                 "approval " + window->approvalId +
                                     " is already recorded with other terms; revoke it first"));
                return;
            }
        }
        if (!committing.insert(window->approvalId).second) {
            reply(vaultError(409, "vault.conflict",
                             "approval " + window->approvalId + " is being recorded already"));
            return;
        }
        json payload = actor(call);
        payload["approval_id"] = window->approvalId;
        payload["person"] = window->person;
        payload["area"] = window->area;
        payload["from_us"] = window->fromUs;
        payload["to_us"] = window->toUs;
        payload["request"] = requestJson(*request);
        const std::string id = window->approvalId;
        commitThen(core::Event{parts.clock.nowUs(), std::string(kVaultWindowApproved.name), "vault",
                               window->person, payload.dump()},
                   reply, json{{"approval_id", id}, {"recorded", true}},
                   [weak = weak_from_this(), id] {
                       if (auto self = weak.lock()) {
                           self->committing.erase(id);
                       }
                   });
    }

    void deleteWindow(const ApiCall& call, const ApiReply& reply) {
        auto request = authenticate(call, core::HttpMethod::del, reply);
        if (!request) {
            return;
        }
        const std::string id = call.params.at("approval_id");
        const auto* known = state.book.window(id);
        if (known == nullptr) {
            reply(vaultError(404, "vault.not_found", "no window with approval id " + id));
            return;
        }
        if (request->target != "/api/vault/windows/" + id) {
            reply(vaultError(400, "vault.bad_request", "the target carries no query"));
            return;
        }
        json payload = actor(call);
        payload["approval_id"] = id;
        payload["person"] = known->person;
        payload["area"] = known->area;
        payload["request"] = requestJson(*request);
        commitThen(core::Event{parts.clock.nowUs(), std::string(kVaultWindowRevoked.name), "vault",
                               known->person, payload.dump()},
                   reply, json{{"approval_id", id}, {"revoked", true}});
    }

    void postAuthorize(const ApiCall& call, const ApiReply& reply) {
        auto request = authenticate(call, core::HttpMethod::post, reply);
        if (!request) {
            return;
        }
        auto body = parseAuthorizeBody(request->body);
        if (!body) {
            reply(vaultError(400, body.error().code, body.error().message));
            return;
        }
        const core::TimeUs now = parts.clock.nowUs();
        const AuthorizeAnswer a =
            authorize(state.book, state.presence, areas, body->person, body->area, now);
        json answer{{"person", body->person},
                    {"area", body->area},
                    {"authorized", a.authorized},
                    {"reason", a.reason},
                    {"inside", a.inside},
                    {"at", policy::formatRfc3339(now, parts.utcOffsetMinutes)},
                    {"as_of_seq", state.lastSeq}};
        answer["window"] =
            a.window == nullptr
                ? json(nullptr)
                : json{{"approval_id", a.window->approvalId},
                       {"from", policy::formatRfc3339(a.window->fromUs, parts.utcOffsetMinutes)},
                       {"to", policy::formatRfc3339(a.window->toUs, parts.utcOffsetMinutes)}};
        answer["second_person"] = a.secondPerson.empty() ? json(nullptr) : json(a.secondPerson);
        // A read: answered now, recorded right behind (the nonce makes it one question).
        json payload = actor(call);
        payload["person"] = body->person;
        payload["area"] = body->area;
        payload["authorized"] = a.authorized;
        payload["reason"] = a.reason;
        payload["second_person"] = a.secondPerson;
        payload["nonce"] = request->nonce;
        payload["timestamp"] = request->timestamp;
        parts.recorder.record(core::Event{now, std::string(kVaultAuthorized.name), "vault",
                                          body->person, payload.dump()});
        reply(ApiResult{200, std::move(answer)});
    }

    void getPresence(const ApiCall& call, const ApiReply& reply) {
        auto request = authenticate(call, core::HttpMethod::get, reply);
        if (!request) {
            return;
        }
        std::uint64_t after = 0;
        if (auto it = call.query.find("after"); it != call.query.end()) {
            try {
                std::size_t used = 0;
                after = std::stoull(it->second, &used);
                if (used != it->second.size()) {
                    throw std::invalid_argument("trailing");
                }
            } catch (const std::exception&) {
                reply(vaultError(400, "vault.bad_request", "after: a push id is expected"));
                return;
            }
        }
        json pushes = json::array();
        for (const auto& push : state.outbox.pending()) {
            if (push.id > after && pushes.size() < 1000) {
                pushes.push_back(pushJson(push, parts.utcOffsetMinutes));
            }
        }
        json payload = actor(call);
        payload["after"] = after;
        payload["returned"] = pushes.size();
        payload["nonce"] = request->nonce;
        payload["timestamp"] = request->timestamp;
        parts.recorder.record(core::Event{parts.clock.nowUs(), std::string(kVaultPresenceRead.name),
                                          "vault", "", payload.dump()});
        reply(ApiResult{200, json{{"pushes", pushes},
                                  {"acked", state.outbox.ackedUpto()},
                                  {"last_id", state.outbox.lastId()}}});
    }

    void postAck(const ApiCall& call, const ApiReply& reply) {
        auto request = authenticate(call, core::HttpMethod::post, reply);
        if (!request) {
            return;
        }
        auto body = parseAckBody(request->body);
        if (!body) {
            reply(vaultError(400, body.error().code, body.error().message));
            return;
        }
        if (body->upto > state.outbox.lastId()) {
            reply(vaultError(400, "vault.bad_request",
                             "body.upto: " + std::to_string(body->upto) +
                                 " was never pushed (newest " +
                                 std::to_string(state.outbox.lastId()) + ")"));
            return;
        }
        json payload = actor(call);
        payload["upto"] = body->upto;
        payload["request"] = requestJson(*request);
        commitThen(core::Event{parts.clock.nowUs(), std::string(kVaultPresenceAcked.name), "vault",
                               "", payload.dump()},
                   reply, json{{"acked", body->upto}});
    }

    // The desk's and the auditor's view (an operator route).
    json statusJson() const {
        const core::TimeUs now = parts.clock.nowUs();
        json windows = json::array();
        for (const auto& [id, w] : state.book.windows()) {
            if (w.toUs <= now - 86'400'000'000LL) {
                continue;  // ended more than a day ago
            }
            const auto* occupant = state.presence.whereIs(w.person);
            windows.push_back({{"approval_id", id},
                               {"person", w.person},
                               {"area", w.area},
                               {"from", policy::formatRfc3339(w.fromUs, parts.utcOffsetMinutes)},
                               {"to", policy::formatRfc3339(w.toUs, parts.utcOffsetMinutes)},
                               {"from_us", w.fromUs},
                               {"to_us", w.toUs},
                               {"open", w.fromUs <= now && now < w.toUs},
                               {"inside", occupant != nullptr && occupant->zone == w.area}});
        }
        json overstays = json::array();
        for (const auto& [person, o] : state.overstays) {
            overstays.push_back(
                {{"person", person}, {"area", o.area}, {"approval_id", o.approvalId}});
        }
        return json{{"configured", true},
                    {"ready", ready},
                    {"areas", areas},
                    {"handlers", state.book.handlerCount()},
                    {"windows", windows},
                    {"overstays", overstays},
                    {"pushes_pending", state.outbox.pending().size()},
                    {"pushes_acked", state.outbox.ackedUpto()},
                    {"pushes_last_id", state.outbox.lastId()},
                    {"pushes_dropped", state.outbox.dropped()},
                    {"refused_recorded_requests", state.refusedRequests}};
    }

    void joinRebuild() {
        if (rebuildThread.joinable()) {
            rebuildThread.join();
        }
    }
};

std::string VaultService::pushTopic(const std::string& site) {
    return "sekimori/" + site + "/vault/presence";
}

core::Result<std::unique_ptr<VaultService>> VaultService::create(VaultServiceParts parts) {
    if (parts.vaultKeys.empty()) {
        return core::makeError("vault.key", "the vault link needs the vault's public key");
    }
    auto impl = std::make_shared<Impl>(std::move(parts));
    // Subscribed before anything runs, so nothing recorded after the rebuild's read is missed.
    std::weak_ptr<Impl> weak = impl;
    for (const char* prefix : {"presence.", "zone.alone", "vault."}) {
        impl->tokens.push_back(
            impl->parts.bus.subscribe(prefix, [weak](const core::RecordedEvent& e) {
                if (auto self = weak.lock()) {
                    self->onRecorded(e);
                }
            }));
    }
    return std::unique_ptr<VaultService>(new VaultService(std::move(impl)));
}

VaultService::VaultService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

VaultService::~VaultService() {
    stop();
    impl_->joinRebuild();
}

core::Result<void> VaultService::start() {
    auto& impl = *impl_;
    impl.running = true;
    impl.connection =
        impl.parts.router.onConnection([weak = std::weak_ptr(impl_)](bool up, const std::string&) {
            auto self = weak.lock();
            if (up && self && self->ready) {
                self->resendAll();  // in order, from the oldest unacknowledged
            }
        });
    const core::TimeUs nonceSince =
        impl.parts.clock.nowUs() -
        std::chrono::duration_cast<std::chrono::microseconds>(impl.parts.config.clockSkew).count();
    impl.rebuildThread = std::thread([weak = std::weak_ptr(impl_), path = impl.parts.databasePath,
                                      keys = impl.parts.vaultKeys, areas = impl.areas,
                                      executor = impl.parts.executor, nonceSince,
                                      skew = impl.parts.config.clockSkew.count()] {
        auto rebuilt = [&]() -> core::Result<VaultState> {
            auto db = core::Database::open(path, core::Database::Mode::readOnly);
            if (!db) {
                return db.error();
            }
            return rebuildVaultState(**db, keys, areas, nonceSince, skew);
        }();
        boost::asio::post(executor, [weak, rebuilt = std::move(rebuilt)]() mutable {
            if (auto self = weak.lock()) {
                self->rebuilt(std::move(rebuilt));
            }
        });
    });
    return {};
}

void VaultService::stop() {
    auto& impl = *impl_;
    if (!impl.running) {
        return;
    }
    impl.running = false;
    impl.endTimer.cancel();
    impl.resendTimer.cancel();
    impl.connection = nullptr;
}

std::vector<core::ApiRoute> VaultService::routes() {
    std::vector<core::ApiRoute> out;
    std::weak_ptr<Impl> weak = impl_;
    using Member = void (Impl::*)(const ApiCall&, const ApiReply&);
    const auto signedRoute = [&](core::HttpMethod method, std::string pattern, Member member) {
        core::ApiRoute r;
        r.method = method;
        r.pattern = std::move(pattern);
        r.roles = core::RoleSet{Role::securityAdmin};  // unused: the request is signed
        r.auth = core::RouteAuth::signedRequest;
        r.handler = [weak, member](const ApiCall& call, ApiReply reply) {
            if (auto self = weak.lock()) {
                ((*self).*member)(call, reply);
            }
        };
        out.push_back(std::move(r));
    };
    signedRoute(core::HttpMethod::post, "/api/vault/handlers", &Impl::postHandlers);
    signedRoute(core::HttpMethod::post, "/api/vault/windows", &Impl::postWindow);
    signedRoute(core::HttpMethod::del, "/api/vault/windows/{approval_id}", &Impl::deleteWindow);
    signedRoute(core::HttpMethod::post, "/api/vault/authorize", &Impl::postAuthorize);
    signedRoute(core::HttpMethod::get, "/api/vault/presence", &Impl::getPresence);
    signedRoute(core::HttpMethod::post, "/api/vault/presence/ack", &Impl::postAck);

    core::ApiRoute status;
    status.method = core::HttpMethod::get;
    status.pattern = "/api/vault/status";
    status.roles = kVaultViewers;
    status.handler = [weak](const ApiCall&, ApiReply reply) {
        if (auto self = weak.lock()) {
            reply(ApiResult{200, self->statusJson()});
        }
    };
    out.push_back(std::move(status));
    return out;
}

std::vector<core::EventVisibility> VaultService::eventVisibility() {
    return {{"vault.", kVaultViewers}};
}

std::optional<core::UiPlugin> VaultService::uiPlugin() {
    return core::UiPlugin{"vault", impl_->parts.webDir, "index.js", kVaultViewers};
}

}  // namespace sekimori::vault
