// The alarms service against the real audited recorder (its commits land later than they
// return) and an injected clock: a rule's event raises an alarm in the trail, an operator's
// step is answered only once its event is durable, time escalates, a restart replays the
// alarms from the trail, triggers recorded while it was down are not lost, and a commit that
// fails makes the service rebuild its book from the trail.
#include "alarms/alarms_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <nlohmann/json.hpp>

#include "alarms/alarm_event_types.hpp"
#include "core/audited_recorder.hpp"
#include "tests/core/audit_test_support.hpp"

namespace sekimori::alarms {
namespace {

using namespace std::chrono_literals;
using core::testing::runUntil;
using core::testing::TempDir;

core::AlarmRule rule(std::string type, core::AlarmAction action, std::string alarmType) {
    core::AlarmRule r;
    r.eventType = std::move(type);
    r.action = action;
    r.alarmType = std::move(alarmType);
    r.priority = 2;
    r.sourceKind = "door";
    r.sourceField = "door";
    return r;
}

// Forwards to the real recorder, except that it can refuse the next commits the way a full
// queue does (onDone hears the error later, on the io thread, and nothing is stored), and can
// hold back the onDone of stored commits until release(): a step still in flight.
class RefusingRecorder final : public core::EventRecorder {
  public:
    RefusingRecorder(core::EventRecorder& real, boost::asio::any_io_executor io)
        : real_(real), io_(std::move(io)) {}
    void record(core::Event event) override { real_.record(std::move(event)); }
    void commit(core::Change change) override {
        if (refuse > 0) {
            --refuse;
            boost::asio::post(io_, [done = std::move(change.onDone)] {
                if (done) {
                    done(core::makeError("audit.queue_full", "the recorder's queue is full"));
                }
            });
            return;
        }
        if (hold) {
            change.onDone = [this, done = std::move(change.onDone)](const core::Result<void>& r) {
                held.push_back([done, r] {
                    if (done) {
                        done(r);
                    }
                });
            };
        }
        real_.commit(std::move(change));
    }
    void release() {
        for (auto& done : held) {
            boost::asio::post(io_, std::move(done));
        }
        held.clear();
    }
    int refuse = 0;
    bool hold = false;
    std::vector<std::function<void()>> held;

  private:
    core::EventRecorder& real_;
    boost::asio::any_io_executor io_;
};

struct AlarmsServiceTest : ::testing::Test {
    TempDir dir;
    std::string dbPath = dir.file("site.db");
    boost::asio::io_context io;
    core::EventBus bus;
    core::ManualClock clock;
    std::unique_ptr<core::AuditedRecorder> recorder;
    std::unique_ptr<RefusingRecorder> refusing;
    core::AlarmRuleBook rules;
    std::unique_ptr<AlarmsService> service;
    std::vector<core::ApiRoute> routes;

    const core::ApiCall desk = call("desk", core::Role::deskOperator);
    const core::ApiCall admin = call("sato", core::Role::securityAdmin);

    static core::ApiCall call(std::string name, core::Role role) {
        core::ApiCall c;
        c.actor = std::move(name);
        c.role = role;
        c.remote = "127.0.0.1";
        return c;
    }

    void SetUp() override {
        ASSERT_TRUE(rules.add(rule("door.forced", core::AlarmAction::raise, "door.forced")));
        ASSERT_TRUE(rules.add(rule("door.held_open", core::AlarmAction::raise, "door.held_open")));
        ASSERT_TRUE(rules.add(rule("door.closed", core::AlarmAction::clear, "door.held_open")));
        core::AuditedRecorderOptions o;
        o.signingKeyPath = dir.file("audit-signing.key");
        o.pollInterval = 2ms;
        o.retryInterval = 5ms;
        auto writer = core::Database::open(dbPath);
        ASSERT_TRUE(writer);
        auto made =
            core::AuditedRecorder::create(std::move(*writer), io.get_executor(), bus, clock, o);
        ASSERT_TRUE(made) << made.error().message;
        recorder = std::move(*made);
        refusing = std::make_unique<RefusingRecorder>(*recorder, io.get_executor());
        startService();
    }

    void TearDown() override {
        if (service) {
            service->stop();
        }
        if (recorder) {
            recorder->stop();
        }
    }

    void startService() {
        AlarmsConfig config;
        config.escalateAfter = 120s;
        config.shelveMaxMinutes = 60;
        service = std::make_unique<AlarmsService>(
            AlarmsServiceParts{io.get_executor(), *refusing, bus, clock, rules, dbPath, config,
                               "/srv/alarms/web", 1ms});
        auto started = service->start();
        ASSERT_TRUE(started) << started.error().message;
        routes = service->routes();
    }

    void restartService() {
        service->stop();
        service.reset();
        startService();
    }

    void recordDoor(const std::string& type, const std::string& door) {
        recorder->record(
            core::Event{0, type, "door:" + door, "", nlohmann::json{{"door", door}}.dump()});
    }

    const core::ApiRoute& route(core::HttpMethod method, const std::string& pattern) {
        for (const auto& r : routes) {
            if (r.method == method && r.pattern == pattern) {
                return r;
            }
        }
        ADD_FAILURE() << "no route " << pattern;
        return routes.front();
    }

    // Calls a route; runs the io loop until it answered. `onAnswer` runs inside the reply.
    core::ApiResult ask(core::HttpMethod method, const std::string& pattern, core::ApiCall c,
                        const std::function<void()>& onAnswer = {}) {
        std::optional<core::ApiResult> got;
        route(method, pattern).handler(c, [&](core::ApiAnswer answer) {
            if (onAnswer) {
                onAnswer();
            }
            got = std::get<core::ApiResult>(std::move(answer));
        });
        EXPECT_TRUE(runUntil(io, [&] { return got.has_value(); }));
        return got.value_or(core::ApiResult{0, {}});
    }

    core::ApiResult post(const std::string& step, std::int64_t id, const core::ApiCall& who,
                         nlohmann::json body, const std::function<void()>& onAnswer = {}) {
        core::ApiCall c = who;
        c.params["id"] = std::to_string(id);
        c.body = std::move(body);
        return ask(core::HttpMethod::post, "/api/alarms/{id}/" + step, c, onAnswer);
    }

    nlohmann::json list(const std::string& state = "all") {
        core::ApiCall c = desk;
        c.query["state"] = state;
        return ask(core::HttpMethod::get, "/api/alarms", c).body["alarms"];
    }

    // The trail's rows of a type: {seq, payload}.
    std::vector<std::pair<std::int64_t, nlohmann::json>> trail(const std::string& type) {
        std::vector<std::pair<std::int64_t, nlohmann::json>> out;
        auto db = core::Database::open(dbPath, core::Database::Mode::readOnly);
        EXPECT_TRUE(db);
        auto st =
            (*db)->prepare("SELECT seq, payload FROM audit_events WHERE type = ?1 ORDER BY seq");
        EXPECT_TRUE(st);
        st->bind(1, std::string_view(type));
        while (st->step().value()) {
            out.emplace_back(st->columnInt(0), nlohmann::json::parse(st->columnText(1)));
        }
        return out;
    }

    // Runs what the recorder posted (bus deliveries) for a while.
    void settle() {
        for (int i = 0; i < 20; ++i) {
            io.run_for(2ms);
            io.restart();
        }
    }

    bool waitTrail(const std::string& type, std::size_t count = 1) {
        return runUntil(io, [&] { return trail(type).size() >= count; });
    }
};

TEST_F(AlarmsServiceTest, ARulesEventRaisesAnAlarmInTheTrail) {
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(waitTrail("alarm.raised"));
    const auto forced = trail("door.forced");
    const auto raised = trail("alarm.raised");
    ASSERT_EQ(forced.size(), 1U);
    EXPECT_EQ(raised[0].second["event_seq"], forced[0].first);
    EXPECT_EQ(raised[0].second["alarm"]["source"], "door:server-room");
    EXPECT_EQ(raised[0].second["alarm"]["state"], "active");
    const auto alarms = list("open");
    ASSERT_EQ(alarms.size(), 1U);
    EXPECT_EQ(alarms[0]["id"], 1);

    recordDoor("door.forced", "server-room");  // counted, not duplicated
    ASSERT_TRUE(waitTrail("alarm.retriggered"));
    ASSERT_TRUE(runUntil(io, [&] { return list()[0]["count"] == 2; }));
    EXPECT_EQ(list().size(), 1U);
}

TEST_F(AlarmsServiceTest, AnOperatorsStepIsAnsweredOnceItsEventIsDurable) {
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(runUntil(io, [&] { return list().size() == 1; }));
    std::size_t acknowledgedAtAnswer = 0;
    auto r = post("acknowledge", 1, desk, {{"comment", "going"}},
                  [&] { acknowledgedAtAnswer = trail("alarm.acknowledged").size(); });
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(acknowledgedAtAnswer, 1U);  // stored before the answer
    EXPECT_EQ(r.body["alarm"]["state"], "acknowledged");
    EXPECT_EQ(r.body["alarm"]["owner"], "desk");
    const auto acked = trail("alarm.acknowledged");
    EXPECT_EQ(acked[0].second["actor"], "desk");
    EXPECT_EQ(acked[0].second["role"], "operator");
    EXPECT_EQ(acked[0].second["comment"], "going");

    std::size_t resolvedAtAnswer = 0;
    r = post("resolve", 1, desk, {{"comment", "a cleaner; door re-secured"}},
             [&] { resolvedAtAnswer = trail("alarm.resolved").size(); });
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(resolvedAtAnswer, 1U);
    EXPECT_EQ(r.body["alarm"]["state"], "resolved");
    EXPECT_EQ(r.body["alarm"]["resolved_by"], "desk");
    EXPECT_TRUE(list("open").empty());
    EXPECT_EQ(list("closed").size(), 1U);
}

TEST_F(AlarmsServiceTest, RefusalsCarryTheirCodeAndStatus) {
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(runUntil(io, [&] { return list().size() == 1; }));
    struct Row {
        std::string step;
        std::int64_t id;
        nlohmann::json body;
        int status;
        std::string code;
    };
    const std::vector<Row> rows{
        {"acknowledge", 9, nullptr, 404, "alarms.not_found"},
        {"resolve", 1, nlohmann::json::object(), 400, "alarms.bad_comment"},
        {"resolve", 1, {{"comment", 5}}, 400, "alarms.bad_comment"},
        {"resolve", 1, {{"comment", std::string(1001, 'x')}}, 400, "alarms.bad_comment"},
        {"comment", 1, {{"comment", "x"}, {"note", "y"}}, 400, "alarms.bad_request"},
        {"comment", 1, nlohmann::json::array(), 400, "alarms.bad_request"},
        {"shelve", 1, {{"comment", "x"}}, 400, "alarms.bad_minutes"},
        {"shelve", 1, {{"minutes", 61}, {"comment", "x"}}, 400, "alarms.bad_minutes"},
        {"shelve", 1, {{"minutes", "5"}, {"comment", "x"}}, 400, "alarms.bad_minutes"},
        {"unshelve", 1, nullptr, 409, "alarms.wrong_state"},
        {"acknowledge", 1, nullptr, 200, ""},
        {"acknowledge", 1, nullptr, 409, "alarms.wrong_state"},
    };
    for (const auto& row : rows) {
        auto r = post(row.step, row.id, admin, row.body);
        EXPECT_EQ(r.status, row.status) << row.step << " " << row.body.dump() << r.body.dump();
        if (!row.code.empty()) {
            EXPECT_EQ(r.body["code"], row.code) << row.step;
            EXPECT_TRUE(r.body["error"].is_string());
        }
    }
    core::ApiCall c = desk;
    c.params.emplace("id", std::string("abc"));
    EXPECT_EQ(ask(core::HttpMethod::get, "/api/alarms/{id}", c).status, 404);
    core::ApiCall q = desk;
    q.query["colour"] = "red";
    auto bad = ask(core::HttpMethod::get, "/api/alarms", q);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.body["code"], "alarms.bad_request");
    q.query = {{"state", "asleep"}};
    EXPECT_EQ(ask(core::HttpMethod::get, "/api/alarms", q).status, 400);
    q.query = {{"limit", "0"}};
    EXPECT_EQ(ask(core::HttpMethod::get, "/api/alarms", q).status, 400);
}

TEST_F(AlarmsServiceTest, TheRoutesAdmitTheRolesThePlanNames) {
    const auto roles = [&](core::HttpMethod m, const std::string& p) {
        return route(m, p).roles.names();
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(roles(core::HttpMethod::get, "/api/alarms"),
              (V{"operator", "security_admin", "bcp_coordinator"}));
    EXPECT_EQ(roles(core::HttpMethod::get, "/api/alarms/{id}"),
              (V{"operator", "security_admin", "bcp_coordinator"}));
    for (const char* step : {"acknowledge", "comment", "resolve"}) {
        EXPECT_EQ(roles(core::HttpMethod::post, std::string("/api/alarms/{id}/") + step),
                  (V{"operator", "security_admin"}));
    }
    for (const char* step : {"shelve", "unshelve"}) {
        EXPECT_EQ(roles(core::HttpMethod::post, std::string("/api/alarms/{id}/") + step),
                  (V{"security_admin"}));
    }
    EXPECT_EQ(route(core::HttpMethod::get, "/api/alarms/{id}").runOn, core::RunOn::worker);
    const auto visibility = service->eventVisibility();
    ASSERT_EQ(visibility.size(), 1U);
    EXPECT_EQ(visibility[0].typePrefix, "alarm.");
    const auto plugin = service->uiPlugin();
    ASSERT_TRUE(plugin);
    EXPECT_EQ(plugin->name, "alarms");
    EXPECT_EQ(plugin->entry, "index.js");
    EXPECT_EQ(plugin->webDir, "/srv/alarms/web");
}

TEST_F(AlarmsServiceTest, AnUnacknowledgedAlarmEscalatesAndShelvingExpires) {
    recordDoor("door.held_open", "server-room");
    recordDoor("door.forced", "entrance");
    ASSERT_TRUE(runUntil(io, [&] { return list().size() == 2; }));
    ASSERT_EQ(post("shelve", 2, admin, {{"minutes", 1}, {"comment", "works"}}).status, 200);
    clock.advanceMs(120'000);
    // Alarm 1 escalates; alarm 2's minute is up, and only once back does it escalate too.
    ASSERT_TRUE(waitTrail("alarm.escalated", 2));
    const auto escalated = trail("alarm.escalated");
    const auto unshelved = trail("alarm.unshelved");
    ASSERT_EQ(unshelved.size(), 1U);
    EXPECT_EQ(unshelved[0].second["expired"], true);
    EXPECT_EQ(unshelved[0].second["alarm"]["state"], "active");
    for (const auto& [seq, payload] : escalated) {
        EXPECT_EQ(payload["alarm"]["priority"], 1);
        if (payload["alarm"]["id"] == 2) {
            EXPECT_GT(seq, unshelved[0].first);
        }
    }
    settle();
    EXPECT_EQ(trail("alarm.escalated").size(), 2U);  // once each
}

TEST_F(AlarmsServiceTest, ARestartReplaysTheAlarmsFromTheTrail) {
    recordDoor("door.forced", "server-room");
    recordDoor("door.held_open", "entrance");
    ASSERT_TRUE(runUntil(io, [&] { return list().size() == 2; }));
    ASSERT_EQ(post("acknowledge", 1, desk, nullptr).status, 200);
    ASSERT_EQ(post("comment", 1, desk, {{"comment", "on camera 3"}}).status, 200);
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(waitTrail("alarm.retriggered"));
    const auto before = list();
    ASSERT_TRUE(recorder->flush());
    settle();

    restartService();
    EXPECT_EQ(list(), before);
    recordDoor("door.forced", "server-room");  // still open: counted on the replayed alarm
    ASSERT_TRUE(waitTrail("alarm.retriggered", 2));
    ASSERT_TRUE(runUntil(io, [&] { return list()[1]["count"] == 3; }));
    recordDoor("door.closed", "entrance");
    ASSERT_TRUE(waitTrail("alarm.cleared"));

    core::ApiCall c = desk;
    c.params.emplace("id", std::to_string(1));
    ASSERT_TRUE(runUntil(io, [&] {
        auto d = ask(core::HttpMethod::get, "/api/alarms/{id}", c).body;
        return d["history"].size() == 5;
    }));
    const auto detail = ask(core::HttpMethod::get, "/api/alarms/{id}", c);
    ASSERT_EQ(detail.status, 200);
    EXPECT_EQ(detail.body["alarm"]["count"], 3);
    ASSERT_EQ(detail.body["events"].size(), 3U);
    for (const auto& e : detail.body["events"]) {
        EXPECT_EQ(e["type"], "door.forced");
        EXPECT_EQ(e["payload"]["door"], "server-room");
        EXPECT_EQ(e["hash"].get<std::string>().size(), 64U);
    }
    std::vector<std::string> steps;
    for (const auto& e : detail.body["history"]) {
        steps.push_back(e["type"]);
        EXPECT_EQ(e["source"], "alarm:1");
    }
    EXPECT_EQ(steps,
              (std::vector<std::string>{"alarm.raised", "alarm.acknowledged", "alarm.commented",
                                        "alarm.retriggered", "alarm.retriggered"}));
}

TEST_F(AlarmsServiceTest, TriggersRecordedWhileTheServiceWasDownAreHandledAtStart) {
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(waitTrail("alarm.raised"));
    ASSERT_TRUE(recorder->flush());
    service->stop();
    service.reset();
    // The daemon went down between the trigger and its alarm step.
    recordDoor("door.held_open", "entrance");
    recordDoor("door.forced", "server-room");
    // Stored, and their bus deliveries still queued when the service starts: handled once.
    ASSERT_TRUE(recorder->flush());
    startService();
    ASSERT_TRUE(waitTrail("alarm.retriggered"));
    ASSERT_TRUE(runUntil(io, [&] { return list().size() == 2; }));
    EXPECT_EQ(trail("alarm.raised").size(), 2U);
    // Restarting again hands on nothing twice.
    ASSERT_TRUE(recorder->flush());
    settle();
    restartService();
    settle();
    EXPECT_EQ(trail("alarm.raised").size(), 2U);
    EXPECT_EQ(trail("alarm.retriggered").size(), 1U);
}

TEST_F(AlarmsServiceTest, AFailedCommitRebuildsTheBookFromTheTrail) {
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(waitTrail("alarm.raised"));
    refusing->refuse = 1;
    ASSERT_TRUE(recorder->flush());
    // The step is refused by the recorder: 503, and the book forgets it.
    auto r = post("acknowledge", 1, desk, nullptr);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body["code"], "alarms.unavailable");
    ASSERT_TRUE(runUntil(io, [&] {
        auto alarms = list();
        return alarms.size() == 1 && alarms[0]["state"] == "active";
    }));
    // Once rebuilt (the list shows the trail's state) it works again, and the trail holds only
    // what was stored.
    r = post("acknowledge", 1, desk, nullptr);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(trail("alarm.acknowledged").size(), 1U);
}

TEST_F(AlarmsServiceTest, TriggersThatComeWhileRebuildingAreHandledAfter) {
    recordDoor("door.forced", "a");
    ASSERT_TRUE(waitTrail("alarm.raised"));
    // A comment stored but not yet answered: a step in flight.
    refusing->hold = true;
    std::optional<core::ApiResult> commented;
    core::ApiCall c = desk;
    c.params.emplace("id", std::to_string(1));
    c.body = {{"comment", "watching"}};
    route(core::HttpMethod::post, "/api/alarms/{id}/comment").handler(c, [&](core::ApiAnswer a) {
        commented = std::get<core::ApiResult>(a);
    });
    ASSERT_TRUE(waitTrail("alarm.commented"));
    refusing->hold = false;
    // An acknowledge the recorder refuses: the book must be rebuilt, once nothing is in flight.
    refusing->refuse = 1;
    EXPECT_EQ(post("acknowledge", 1, desk, nullptr).status, 503);
    // Meanwhile a trigger comes: held, not lost; operator steps are refused.
    recordDoor("door.forced", "b");
    ASSERT_TRUE(waitTrail("door.forced", 2));
    settle();
    EXPECT_EQ(trail("alarm.raised").size(), 1U);
    auto refused = post("comment", 1, admin, {{"comment", "x"}});
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.body["code"], "alarms.unavailable");
    EXPECT_FALSE(commented.has_value());

    refusing->release();
    ASSERT_TRUE(runUntil(io, [&] { return commented.has_value(); }));
    EXPECT_EQ(commented->status, 200);
    ASSERT_TRUE(waitTrail("alarm.raised", 2));  // b, after the rebuild
    ASSERT_TRUE(runUntil(io, [&] { return list().size() == 2; }));
    const auto alarms = list();
    EXPECT_EQ(alarms[0]["source"], "door:b");
    EXPECT_EQ(alarms[1]["state"], "active");      // the refused acknowledge is not in the book
    EXPECT_EQ(alarms[1]["comments"].size(), 1U);  // the stored comment is
}

TEST_F(AlarmsServiceTest, AnEventWithoutTheSourceFieldRaisesNothing) {
    recorder->record(core::Event{0, "door.forced", "door:x", "", R"({"panel":"p"})"});
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(waitTrail("alarm.raised"));
    EXPECT_EQ(trail("alarm.raised").size(), 1U);
    EXPECT_EQ(list()[0]["source"], "door:server-room");
}

TEST_F(AlarmsServiceTest, StopEndsEverything) {
    service->stop();
    recordDoor("door.forced", "server-room");
    ASSERT_TRUE(waitTrail("door.forced"));
    settle();
    EXPECT_TRUE(trail("alarm.raised").empty());
}

}  // namespace
}  // namespace sekimori::alarms
