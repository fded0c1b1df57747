#include "alarms/alarms_service.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "alarms/alarm_detail.hpp"
#include "alarms/alarm_json.hpp"
#include "alarms/alarm_replay.hpp"
#include "core/log.hpp"

namespace sekimori::alarms {
namespace {

constexpr std::string_view kComponent = "alarms";
constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 500;
// Triggers held while the book is rebuilt after a failed commit; past this the oldest go.
constexpr std::size_t kMaxHeldTriggers = 10'000;

int statusOf(const core::Error& error) {
    const std::string& c = error.code;
    if (c == kAlarmNotFound) {
        return 404;
    }
    if (c == kAlarmWrongState) {
        return 409;
    }
    if (c == kAlarmBadComment || c == kAlarmBadMinutes || c == kAlarmBadRequest) {
        return 400;
    }
    return 503;  // the recorder could not store it, or the book is being rebuilt
}

core::ApiResult errorResult(const core::Error& error) {
    return core::ApiResult{statusOf(error),
                           nlohmann::json{{"error", error.message}, {"code", error.code}}};
}

core::ApiResult errorResult(std::string_view code, std::string message) {
    return errorResult(core::makeError(std::string(code), std::move(message)));
}

std::optional<std::int64_t> parseNumber(const std::string& text) {
    if (text.empty() || text.size() > 15 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::stoll(text);
}

// The body's members, checked: an object (or no body) with only `allowed` members.
std::optional<core::Error> bodyProblem(const nlohmann::json& body,
                                       const std::vector<std::string_view>& allowed) {
    if (body.is_null()) {
        return std::nullopt;
    }
    if (!body.is_object()) {
        return core::makeError(std::string(kAlarmBadRequest), "the body must be a JSON object");
    }
    for (const auto& [name, value] : body.items()) {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            return core::makeError(std::string(kAlarmBadRequest),
                                   "unknown member \"" + name + "\"");
        }
    }
    return std::nullopt;
}

// The body's "comment": "" when absent; an error when it is not a string.
core::Result<std::string> commentOf(const nlohmann::json& body) {
    if (!body.is_object() || !body.contains("comment")) {
        return std::string();
    }
    const auto& c = body["comment"];
    if (!c.is_string()) {
        return core::makeError(std::string(kAlarmBadComment), "comment: must be a string");
    }
    return c.get<std::string>();
}

// A step whose body is only a comment (acknowledge, comment, resolve): the comment read, then
// the book's transition.
template <class Transition>
auto commentStep(Transition transition) {
    return [transition](const AlarmBook& book, std::int64_t id, const core::ApiCall& call,
                        const nlohmann::json& body, core::TimeUs now,
                        const AlarmsConfig&) -> core::Result<core::Event> {
        auto comment = commentOf(body);
        if (!comment) {
            return comment.error();
        }
        return transition(book, id, call, *comment, now);
    };
}

}  // namespace

struct AlarmsService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(AlarmsServiceParts p) : parts(std::move(p)), timer(parts.executor) {}

    ~Impl() { joinRebuild(); }

    // --- the book ------------------------------------------------------------------------
    // Applies a step at once, then commits it; `done` hears the commit's outcome on the io
    // thread. A failed commit means the book holds a step the trail does not: rebuild.
    void commitStep(core::Event event, std::function<void(const core::Result<void>&)> done) {
        {
            std::lock_guard lock(bookMutex);
            if (auto r = apply(book, event); !r) {  // our own event: a bug
                core::logError(kComponent, "cannot apply " + event.type + ": " + r.error().message);
                if (done) {
                    done(r);
                }
                return;
            }
        }
        ++inFlight;
        core::Change change;
        change.events.push_back(std::move(event));
        change.onDone = [weak = weak_from_this(),
                         done = std::move(done)](const core::Result<void>& r) {
            auto self = weak.lock();
            if (self) {
                --self->inFlight;
                if (!r) {
                    core::logError(kComponent, "an alarm step was not stored (" +
                                                   r.error().message +
                                                   "); rebuilding the alarms from the trail");
                    self->wantRebuild = true;
                }
                self->maybeStartRebuild();
            }
            if (done) {
                done(r);
            }
        };
        parts.recorder.commit(std::move(change));
    }

    void onTrigger(const core::RecordedEvent& event) {
        if (!running || event.seq <= readThroughSeq) {
            return;  // read from the trail at start, and handed on then
        }
        if (rebuilding()) {
            if (held.size() >= kMaxHeldTriggers) {
                core::logError(kComponent, "too many triggers held while rebuilding; seq " +
                                               std::to_string(held.front().seq) + " dropped");
                held.pop_front();
            }
            held.push_back(event);
            return;
        }
        handleTrigger(event);
    }

    void handleTrigger(const core::RecordedEvent& event) {
        const core::TimeUs now = parts.clock.nowUs();
        for (const core::AlarmRule* rule : parts.rules.forType(event.event.type)) {
            auto step = [&] {
                std::lock_guard lock(bookMutex);
                return onSourceEvent(book, *rule, event, now);
            }();
            if (!step) {
                // Once per event type: a domain that records the event without the field is a
                // bug to fix, not a flood for the log.
                if (reportedNoSource.insert(event.event.type).second) {
                    core::logError(kComponent, step.error().message + " (seq " +
                                                   std::to_string(event.seq) +
                                                   "; reported once per type)");
                }
                continue;
            }
            if (*step) {
                commitStep(std::move(**step), {});
            }
        }
    }

    void onAlarmRecorded(const core::RecordedEvent& event) {
        std::lock_guard lock(bookMutex);
        noteRecorded(book, event);
    }

    // --- rebuild after a failed commit ---------------------------------------------------
    bool rebuilding() const { return wantRebuild || rebuildRunning; }

    // Once no step is in flight (so the trail holds every step it will ever hold), read it on
    // a thread of its own and swap the book in on the io thread.
    void maybeStartRebuild() {
        if (!wantRebuild || rebuildRunning || inFlight != 0 || !running) {
            return;
        }
        wantRebuild = false;
        rebuildRunning = true;
        joinRebuild();
        rebuildThread = std::thread(
            [weak = weak_from_this(), path = parts.databasePath, executor = parts.executor] {
                auto replayed = [&]() -> core::Result<Replayed> {
                    auto db = core::Database::open(path, core::Database::Mode::readOnly);
                    if (!db) {
                        return db.error();
                    }
                    return replayAlarms(**db);
                }();
                boost::asio::post(executor, [weak, replayed = std::move(replayed)]() mutable {
                    if (auto self = weak.lock()) {
                        self->rebuilt(std::move(replayed));
                    }
                });
            });
    }

    void rebuilt(core::Result<Replayed> replayed) {
        rebuildRunning = false;
        if (!replayed) {
            core::logError(kComponent, "the alarms could not be rebuilt from the trail (" +
                                           replayed.error().message + "); trying again");
            wantRebuild = true;  // the next tick tries again
            return;
        }
        {
            std::lock_guard lock(bookMutex);
            book = std::move(replayed->book);
        }
        core::logInfo(kComponent, "alarms rebuilt from the trail: " +
                                      std::to_string(book.alarms.size()) + " alarms");
        while (!held.empty() && !rebuilding()) {
            auto event = std::move(held.front());
            held.pop_front();
            handleTrigger(event);
        }
    }

    void joinRebuild() {
        if (rebuildThread.joinable()) {
            rebuildThread.join();
        }
    }

    // --- time ----------------------------------------------------------------------------
    // Re-armed only after a pass completes: passes never overlap, and stop() ends the loop.
    void armTimer() {
        timer.expires_after(parts.tickInterval);
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || !self->running) {
                return;
            }
            self->tick();
            self->armTimer();
        });
    }

    void tick() {
        if (rebuilding()) {
            maybeStartRebuild();
            return;
        }
        std::vector<core::Event> steps;
        {
            std::lock_guard lock(bookMutex);
            steps = due(book, parts.clock.nowUs(), parts.config);
        }
        for (auto& step : steps) {
            core::logInfo(kComponent, step.type + " " + step.source);
            commitStep(std::move(step), {});
        }
    }

    // --- operator steps ------------------------------------------------------------------
    using Step =
        std::function<core::Result<core::Event>(const AlarmBook&, std::int64_t, core::TimeUs)>;

    // Validates, applies and commits; answers with the alarm as the step left it, once durable.
    void operatorStep(const core::ApiCall& call, const core::ApiReply& reply, const Step& step) {
        const auto id = parseNumber(call.params.at("id"));
        if (!id) {
            reply(errorResult(kAlarmNotFound, "no alarm " + call.params.at("id")));
            return;
        }
        if (!running || rebuilding()) {
            reply(errorResult(kAlarmUnavailable,
                              "the alarms are being rebuilt from the trail; try again"));
            return;
        }
        auto event = [&] {
            std::lock_guard lock(bookMutex);
            return step(book, *id, parts.clock.nowUs());
        }();
        if (!event) {
            reply(errorResult(event.error()));
            return;
        }
        nlohmann::json after = nlohmann::json::parse(event->payload)["alarm"];
        core::logInfo(kComponent, event->type + " " + event->source + " by " + call.actor);
        commitStep(
            std::move(*event), [reply, after = std::move(after)](const core::Result<void>& r) {
                if (!r) {
                    reply(errorResult(kAlarmUnavailable, "not stored: " + r.error().message));
                    return;
                }
                reply(core::ApiResult{200, {{"alarm", after}}});
            });
    }

    void list(const core::ApiCall& call, const core::ApiReply& reply) {
        for (const auto& [name, value] : call.query) {
            if (name != "state" && name != "limit" && name != "before_id") {
                reply(errorResult(kAlarmBadRequest, "unknown parameter \"" + name + "\""));
                return;
            }
        }
        const auto query = [&](const std::string& name) {
            auto it = call.query.find(name);
            return it == call.query.end() ? std::string() : it->second;
        };
        const std::string state = query("state").empty() ? "open" : query("state");
        if (state != "open" && state != "closed" && state != "all") {
            reply(errorResult(kAlarmBadRequest, "state: open, closed or all"));
            return;
        }
        std::size_t limit = kDefaultLimit;
        if (!query("limit").empty()) {
            const auto n = parseNumber(query("limit"));
            if (!n || *n < 1 || *n > static_cast<std::int64_t>(kMaxLimit)) {
                reply(errorResult(kAlarmBadRequest, "limit: 1 to " + std::to_string(kMaxLimit)));
                return;
            }
            limit = static_cast<std::size_t>(*n);
        }
        std::optional<std::int64_t> beforeId;
        if (!query("before_id").empty()) {
            beforeId = parseNumber(query("before_id"));
            if (!beforeId) {
                reply(errorResult(kAlarmBadRequest, "before_id: a positive integer"));
                return;
            }
        }
        nlohmann::json alarms = nlohmann::json::array();
        {
            std::lock_guard lock(bookMutex);
            auto it = beforeId ? book.alarms.lower_bound(*beforeId) : book.alarms.end();
            while (it != book.alarms.begin() && alarms.size() < limit) {
                --it;
                const bool open = isOpen(it->second.state);
                if (state == "all" || (state == "open") == open) {
                    alarms.push_back(alarmJson(it->second));
                }
            }
        }
        reply(core::ApiResult{200, {{"alarms", std::move(alarms)}}});
    }

    // On a console worker: copies the alarm under the lock, reads its events on its own reader.
    void detail(const core::ApiCall& call, const core::ApiReply& reply) {
        const auto id = parseNumber(call.params.at("id"));
        std::optional<Alarm> alarm;
        std::vector<std::uint64_t> history;
        if (id) {
            std::lock_guard lock(bookMutex);
            if (const Alarm* found = book.find(*id)) {
                alarm = *found;
                if (auto h = book.history.find(*id); h != book.history.end()) {
                    history = h->second;
                }
            }
        }
        if (!alarm) {
            reply(errorResult(kAlarmNotFound, "no alarm " + call.params.at("id")));
            return;
        }
        auto db = core::Database::open(parts.databasePath, core::Database::Mode::readOnly);
        if (!db) {
            reply(errorResult(kAlarmUnavailable, db.error().message));
            return;
        }
        auto body = alarmDetail(**db, *alarm, history);
        if (!body) {
            reply(errorResult(kAlarmUnavailable, body.error().message));
            return;
        }
        reply(core::ApiResult{200, std::move(*body)});
    }

    AlarmsServiceParts parts;
    boost::asio::steady_timer timer;
    std::vector<core::EventBus::Token> subscriptions;
    bool running = false;

    // The book lives on the io thread; the mutex lets the detail route (a worker) copy one alarm.
    mutable std::mutex bookMutex;
    AlarmBook book;

    // The trail's newest seq at start: triggers up to it were read then (unhandledTriggers);
    // their bus deliveries still queued on the io thread are not handled twice.
    std::uint64_t readThroughSeq = 0;
    std::size_t inFlight = 0;  // steps committed, not yet durable or refused
    bool wantRebuild = false;
    bool rebuildRunning = false;
    std::thread rebuildThread;
    std::deque<core::RecordedEvent> held;  // triggers that came while rebuilding
    std::set<std::string, std::less<>> reportedNoSource;
};

AlarmsService::AlarmsService(AlarmsServiceParts parts)
    : impl_(std::make_shared<Impl>(std::move(parts))) {}

AlarmsService::~AlarmsService() {
    stop();
}

core::Result<void> AlarmsService::start() {
    if (impl_->running) {
        return {};
    }
    auto& self = *impl_;
    std::vector<core::RecordedEvent> unhandled;
    {
        auto db = core::Database::open(self.parts.databasePath, core::Database::Mode::readOnly);
        if (!db) {
            return db.error();
        }
        auto replayed = replayAlarms(**db);
        if (!replayed) {
            return replayed.error();
        }
        if (replayed->unreadable != 0) {
            core::logError(kComponent, std::to_string(replayed->unreadable) +
                                           " alarm events of the trail could not be read; first: " +
                                           replayed->firstProblem);
        }
        auto triggers = unhandledTriggers(**db, *replayed, self.parts.rules);
        if (!triggers) {
            return triggers.error();
        }
        unhandled = std::move(*triggers);
        self.readThroughSeq = replayed->throughSeq;
        std::lock_guard lock(self.bookMutex);
        self.book = std::move(replayed->book);
    }
    std::size_t open = self.book.open.size();
    core::logInfo(kComponent,
                  "alarms replayed from the trail: " + std::to_string(self.book.alarms.size()) +
                      " alarms, " + std::to_string(open) + " open");

    std::weak_ptr<Impl> weak = impl_;
    std::set<std::string, std::less<>> types;
    for (const auto& rule : self.parts.rules.rules()) {
        if (!rule.eventType.starts_with("alarm.")) {  // our own steps trigger nothing
            types.insert(rule.eventType);
        }
    }
    for (const auto& type : types) {
        // A prefix subscription on the whole name; the handler keeps the exact type only.
        self.subscriptions.push_back(self.parts.bus.subscribe(
            std::string_view(type), [weak, type](const core::RecordedEvent& e) {
                if (auto s = weak.lock(); s && e.event.type == type) {
                    s->onTrigger(e);
                }
            }));
    }
    self.subscriptions.push_back(
        self.parts.bus.subscribe("alarm.", [weak](const core::RecordedEvent& e) {
            if (auto s = weak.lock()) {
                s->onAlarmRecorded(e);
            }
        }));
    self.running = true;
    if (!unhandled.empty()) {
        core::logWarning(kComponent, std::to_string(unhandled.size()) +
                                         " triggers after the newest alarm step handled again");
    }
    for (const auto& event : unhandled) {
        self.handleTrigger(event);
    }
    self.armTimer();
    return {};
}

void AlarmsService::stop() {
    if (!impl_->running) {
        return;
    }
    impl_->running = false;
    impl_->timer.cancel();
    impl_->subscriptions.clear();
    impl_->joinRebuild();
}

std::vector<core::ApiRoute> AlarmsService::routes() {
    std::weak_ptr<Impl> weak = impl_;
    auto bound = [weak](void (Impl::*handler)(const core::ApiCall&, const core::ApiReply&)) {
        return [weak, handler](const core::ApiCall& call, const core::ApiReply& reply) {
            auto self = weak.lock();
            if (!self) {
                reply(errorResult(kAlarmUnavailable, "the alarms service has stopped"));
                return;
            }
            ((*self).*handler)(call, reply);
        };
    };
    auto step = [weak](std::initializer_list<std::string_view> members,
                       std::function<core::Result<core::Event>(
                           const AlarmBook&, std::int64_t, const core::ApiCall&,
                           const nlohmann::json&, core::TimeUs, const AlarmsConfig&)>
                           transition) {
        std::vector<std::string_view> allowed(members);
        return [weak, allowed, transition](const core::ApiCall& call, const core::ApiReply& reply) {
            auto self = weak.lock();
            if (!self) {
                reply(errorResult(kAlarmUnavailable, "the alarms service has stopped"));
                return;
            }
            if (auto problem = bodyProblem(call.body, allowed)) {
                reply(errorResult(*problem));
                return;
            }
            const AlarmsConfig& config = self->parts.config;
            self->operatorStep(call, reply,
                               [&call, &transition, &config](const AlarmBook& book, std::int64_t id,
                                                             core::TimeUs now) {
                                   return transition(book, id, call, call.body, now, config);
                               });
        };
    };

    std::vector<core::ApiRoute> out;
    out.push_back(core::ApiRoute{core::HttpMethod::get, "/api/alarms", kAlarmViewers,
                                 core::RunOn::io, bound(&Impl::list)});
    out.push_back(core::ApiRoute{core::HttpMethod::get, "/api/alarms/{id}", kAlarmViewers,
                                 core::RunOn::worker, bound(&Impl::detail)});
    out.push_back(core::ApiRoute{core::HttpMethod::post, "/api/alarms/{id}/acknowledge",
                                 kAlarmActors, core::RunOn::io,
                                 step({"comment"}, commentStep(&acknowledge))});
    out.push_back(core::ApiRoute{core::HttpMethod::post, "/api/alarms/{id}/comment", kAlarmActors,
                                 core::RunOn::io, step({"comment"}, commentStep(&addComment))});
    out.push_back(core::ApiRoute{core::HttpMethod::post, "/api/alarms/{id}/resolve", kAlarmActors,
                                 core::RunOn::io, step({"comment"}, commentStep(&resolve))});
    out.push_back(core::ApiRoute{
        core::HttpMethod::post, "/api/alarms/{id}/shelve", kAlarmShelvers, core::RunOn::io,
        step({"minutes", "comment"},
             [](const AlarmBook& book, std::int64_t id, const core::ApiCall& call,
                const nlohmann::json& body, core::TimeUs now,
                const AlarmsConfig& config) -> core::Result<core::Event> {
                 auto comment = commentOf(body);
                 if (!comment) {
                     return comment.error();
                 }
                 if (!body.is_object() || !body.contains("minutes") ||
                     !body["minutes"].is_number_integer()) {
                     return core::makeError(std::string(kAlarmBadMinutes),
                                            "minutes: an integer is required");
                 }
                 return shelve(book, id, call, body["minutes"].get<std::int64_t>(), *comment, now,
                               config);
             })});
    out.push_back(core::ApiRoute{
        core::HttpMethod::post, "/api/alarms/{id}/unshelve", kAlarmShelvers, core::RunOn::io,
        step({},
             [](const AlarmBook& book, std::int64_t id, const core::ApiCall& call,
                const nlohmann::json&, core::TimeUs now, const AlarmsConfig&)
                 -> core::Result<core::Event> { return unshelve(book, id, call, now); })});
    return out;
}

std::vector<core::EventVisibility> AlarmsService::eventVisibility() {
    return {core::EventVisibility{"alarm.", kAlarmViewers}};
}

std::optional<core::UiPlugin> AlarmsService::uiPlugin() {
    return core::UiPlugin{"alarms", impl_->parts.webDir, "index.js", kAlarmViewers};
}

}  // namespace sekimori::alarms
