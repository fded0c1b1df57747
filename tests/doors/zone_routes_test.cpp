// The zone control routes on the real recorder: roles as declared, bad bodies refused naming
// the field with code doors.bad_request and nothing recorded, each write audited with the actor
// and answered only once durable, conflicts 409, an unknown person 404, nobody forgiving
// themselves, and the muster report showing who has left since the roll call.
#include "doors/zone_routes.hpp"

#include <gtest/gtest.h>

#include "tests/doors/zone_test_fixture.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

class ZoneRoutesTest : public test::ZoneFixture {
  protected:
    void SetUp() override {
        test::ZoneFixture::SetUp();
        routes_ = zoneRoutes(*zones_);
    }

    static core::ApiCall caller(std::string name, core::Role role, std::string person = "") {
        core::ApiCall c;
        c.actor = std::move(name);
        c.role = role;
        c.remote = "unix";
        c.unixUser = "yamada";
        c.actorPerson = std::move(person);
        return c;
    }
    static core::ApiCall desk() { return caller("desk-1", core::Role::deskOperator); }
    static core::ApiCall security() { return caller("sa-1", core::Role::securityAdmin); }

    const core::ApiRoute* route(core::HttpMethod method, const std::string& pattern) const {
        for (const auto& r : routes_) {
            if (r.method == method && r.pattern == pattern) {
                return &r;
            }
        }
        return nullptr;
    }

    // As the console calls it (after its role check), noting how many events the trail held
    // when the reply came: a reply before its event is durable shows there.
    core::ApiResult call(core::ApiCall c, core::HttpMethod method, const std::string& pattern,
                         nlohmann::json body, std::map<std::string, std::string> params = {}) {
        const core::ApiRoute* r = route(method, pattern);
        EXPECT_NE(r, nullptr) << pattern;
        if (r == nullptr) {
            return {};
        }
        EXPECT_TRUE(r->roles.contains(c.role)) << pattern << " does not admit the caller";
        c.params = std::move(params);
        c.body = std::move(body);
        std::optional<core::ApiResult> result;
        r->handler(c, [&](core::ApiAnswer answer) {
            result = std::get<core::ApiResult>(std::move(answer));
            eventsAtReply_ = eventCount();
        });
        EXPECT_TRUE(runUntil([&] { return result.has_value(); })) << pattern << " did not answer";
        return result.value_or(core::ApiResult{});
    }
    core::ApiResult post(core::ApiCall c, const std::string& pattern, nlohmann::json body,
                         std::map<std::string, std::string> params = {}) {
        return call(std::move(c), core::HttpMethod::post, pattern, std::move(body),
                    std::move(params));
    }
    core::ApiResult get(const std::string& pattern) {
        return call(desk(), core::HttpMethod::get, pattern, nullptr);
    }

    std::vector<core::ApiRoute> routes_;
    std::int64_t eventsAtReply_ = -1;
};

TEST_F(ZoneRoutesTest, RolesAreTheOnesTheDeskAndTheSecurityAdminHold) {
    using M = core::HttpMethod;
    using R = core::Role;
    struct Row {
        M method;
        std::string pattern;
        std::vector<R> admitted;
    };
    const std::vector<Row> rows{
        {M::get, "/api/lockdown", {R::deskOperator, R::securityAdmin, R::facilityAdmin}},
        {M::post, "/api/lockdown", {R::deskOperator, R::securityAdmin}},
        {M::post, "/api/lockdown/lift", {R::securityAdmin}},
        {M::post, "/api/people/{id}/passback/forgive", {R::deskOperator, R::securityAdmin}},
        {M::get, "/api/muster", {R::deskOperator, R::securityAdmin, R::facilityAdmin}},
        {M::post, "/api/muster", {R::deskOperator, R::securityAdmin}},
        {M::get, "/api/zone_control", {R::deskOperator, R::securityAdmin, R::facilityAdmin}},
    };
    ASSERT_EQ(routes_.size(), rows.size());
    for (const auto& row : rows) {
        const auto* r = route(row.method, row.pattern);
        ASSERT_NE(r, nullptr) << row.pattern;
        EXPECT_EQ(r->runOn, core::RunOn::io) << row.pattern;
        for (auto role : core::kAllRoles) {
            const bool expected =
                std::find(row.admitted.begin(), row.admitted.end(), role) != row.admitted.end();
            EXPECT_EQ(r->roles.contains(role), expected)
                << row.pattern << " for " << core::roleName(role);
        }
    }
}

TEST_F(ZoneRoutesTest, BadBodiesAreRefusedNamingTheFieldAndRecordNothing) {
    struct Row {
        std::string pattern;
        nlohmann::json body;
        std::string startsWith;
        std::map<std::string, std::string> params{};
    };
    const std::vector<Row> rows{
        {"/api/lockdown", nullptr, "body:"},
        {"/api/lockdown", {{"scope", "site"}}, "comment: required"},
        {"/api/lockdown", {{"scope", "site"}, {"comment", ""}}, "comment: must be"},
        {"/api/lockdown", {{"scope", "site"}, {"comment", std::string(1001, 'x')}}, "comment:"},
        {"/api/lockdown", {{"scope", "floor"}, {"comment", "x"}}, "scope:"},
        {"/api/lockdown", {{"scope", "site"}, {"zone", "lobby"}, {"comment", "x"}}, "zone:"},
        {"/api/lockdown", {{"scope", "zone"}, {"comment", "x"}}, "zone: required"},
        {"/api/lockdown",
         {{"scope", "zone"}, {"zone", "attic"}, {"comment", "x"}},
         "zone: 'attic'"},
        {"/api/lockdown", {{"scope", "site"}, {"comment", "x"}, {"why", "x"}}, "why: unknown"},
        {"/api/lockdown", {{"scope", 1}, {"comment", "x"}}, "scope: must be a string"},
        {"/api/lockdown/lift", {{"scope", "zone"}, {"zone", "attic"}, {"comment", "x"}}, "zone:"},
        {"/api/muster", nlohmann::json::object(), "comment: required"},
        {"/api/people/{id}/passback/forgive", {{"comment", "x"}}, "id:", {{"id", "Bad Id!"}}},
        {"/api/people/{id}/passback/forgive",
         nlohmann::json::object(),
         "comment:",
         {{"id", "alice"}}},
    };
    const std::int64_t events = eventCount();
    for (const auto& row : rows) {
        const auto caller = row.pattern == "/api/lockdown/lift" ? security() : desk();
        const auto r = post(caller, row.pattern, row.body, row.params);
        EXPECT_EQ(r.status, 400) << row.pattern << " " << row.body.dump();
        EXPECT_EQ(r.body.value("code", ""), "doors.bad_request") << row.body.dump();
        EXPECT_EQ(r.body.value("error", "").rfind(row.startsWith, 0), 0U)
            << row.body.dump() << " -> " << r.body.dump();
    }
    flush();
    EXPECT_EQ(eventCount(), events);
    EXPECT_FALSE(zones_->lockedDown("lobby"));
}

TEST_F(ZoneRoutesTest, ALockdownIsStartedByTheDeskAndLiftedByTheSecurityAdminEachAudited) {
    auto started = post(desk(), "/api/lockdown",
                        {{"scope", "zone"}, {"zone", "server-room"}, {"comment", "intruder"}});
    ASSERT_EQ(started.status, 201) << started.body.dump();
    EXPECT_EQ(eventsAtReply_, eventCount()) << "answered before the event was durable";
    EXPECT_EQ(started.body["started"]["target"], "server-room");
    ASSERT_EQ(started.body["lockdowns"].size(), 1U);
    EXPECT_EQ(started.body["lockdowns"][0]["actor"], "desk-1");
    EXPECT_EQ(started.body["exempt_groups"], nlohmann::json::array({"guards"}));
    EXPECT_TRUE(zones_->lockedDown("handling-area"));
    auto event = lastPayload("zone.lockdown_started");
    EXPECT_EQ(event["actor"], "desk-1");
    EXPECT_EQ(event["role"], "operator");
    EXPECT_EQ(event["unix_user"], "yamada");
    EXPECT_EQ(event["(source)"], "operator:desk-1");

    auto twice = post(desk(), "/api/lockdown",
                      {{"scope", "zone"}, {"zone", "server-room"}, {"comment", "again"}});
    EXPECT_EQ(twice.status, 409);
    EXPECT_EQ(twice.body["code"], "doors.lockdown_active");

    EXPECT_EQ(get("/api/lockdown").body["lockdowns"][0]["target"], "server-room");

    auto lifted = post(security(), "/api/lockdown/lift",
                       {{"scope", "zone"}, {"zone", "server-room"}, {"comment", "all clear"}});
    ASSERT_EQ(lifted.status, 200) << lifted.body.dump();
    EXPECT_EQ(eventsAtReply_, eventCount());
    EXPECT_TRUE(lifted.body["lockdowns"].empty());
    EXPECT_FALSE(zones_->lockedDown("handling-area"));
    event = lastPayload("zone.lockdown_lifted");
    EXPECT_EQ(event["actor"], "sa-1");
    EXPECT_EQ(event["comment"], "all clear");
    EXPECT_EQ(event["target"], "server-room");

    auto none = post(security(), "/api/lockdown/lift", {{"scope", "site"}, {"comment", "x"}});
    EXPECT_EQ(none.status, 409);
    EXPECT_EQ(none.body["code"], "doors.not_locked_down");
}

TEST_F(ZoneRoutesTest, ForgivenessIsAuditedOnceAndNobodyForgivesThemselves) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    auto self = post(caller("desk-2", core::Role::deskOperator, "alice"),
                     "/api/people/{id}/passback/forgive", {{"comment", "me"}}, {{"id", "alice"}});
    EXPECT_EQ(self.status, 403);
    EXPECT_EQ(self.body["code"], "doors.forbidden");

    auto unknown =
        post(desk(), "/api/people/{id}/passback/forgive", {{"comment", "x"}}, {{"id", "nobody"}});
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body["code"], "doors.not_found");

    auto ok = post(desk(), "/api/people/{id}/passback/forgive", {{"comment", "exit reader down"}},
                   {{"id", "alice"}});
    ASSERT_EQ(ok.status, 200) << ok.body.dump();
    EXPECT_EQ(eventsAtReply_, eventCount());
    EXPECT_EQ(ok.body["forgiven"]["person_name"], "Alice Sato");
    EXPECT_TRUE(zones_->forgiven("alice"));
    const auto event = lastPayload("access.passback_forgiven");
    EXPECT_EQ(event["zone"], "handling-area");
    EXPECT_EQ(event["actor"], "desk-1");

    auto again =
        post(desk(), "/api/people/{id}/passback/forgive", {{"comment", "x"}}, {{"id", "alice"}});
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.body["code"], "doors.already_forgiven");
    EXPECT_EQ(countOf("access.passback_forgiven"), 1);
}

TEST_F(ZoneRoutesTest, TheMusterShowsWhoWasInsideAndWhoHasLeftSince) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    pass("bob", "Bob Kato", "server-room", "handling-area");
    pass("carol", "Carol Ito", "lobby", "corridor");
    EXPECT_TRUE(get("/api/muster").body["muster"].is_null());

    auto started = post(desk(), "/api/muster", {{"comment", "fire drill"}});
    ASSERT_EQ(started.status, 201) << started.body.dump();
    EXPECT_EQ(eventsAtReply_, eventCount());
    EXPECT_EQ(started.body["muster"]["on_roll"], 3);
    EXPECT_EQ(started.body["muster"]["left_count"], 0);
    const auto event = lastPayload("zone.muster_started");
    EXPECT_EQ(event["actor"], "desk-1");
    EXPECT_EQ(event["comment"], "fire drill");
    ASSERT_EQ(event["zones"].size(), 2U);
    EXPECT_EQ(event["zones"][0]["zone"], "corridor");
    EXPECT_EQ(event["zones"][1]["zone"], "handling-area");
    EXPECT_EQ(event["zones"][1]["people"][0],
              (nlohmann::json{{"person", "alice"}, {"person_name", "Alice Sato"}}));

    pass("alice", "Alice Sato", "handling-area", "server-room");
    const auto report = get("/api/muster").body;
    EXPECT_EQ(report["zones"]["server-room"][0]["person"], "alice");
    const auto& m = report["muster"];
    EXPECT_EQ(m["left_count"], 1);
    const auto& handling = m["zones"][1];
    EXPECT_EQ(handling["zone"], "handling-area");
    EXPECT_EQ(handling["remaining"][0]["person"], "bob");
    EXPECT_EQ(handling["left"][0]["person"], "alice");
    EXPECT_EQ(handling["left"][0]["now_zone"], "server-room");
}

TEST_F(ZoneRoutesTest, TheStateRouteListsTheAloneZones) {
    pass("alice", "Alice Sato", "server-room", "handling-area");
    clock_.advanceMs(3'000);
    zones_->checkDeadlines();
    const auto state = get("/api/zone_control").body;
    ASSERT_EQ(state["alone"].size(), 1U);
    EXPECT_EQ(state["alone"][0]["zone"], "handling-area");
    EXPECT_EQ(state["never_alone"]["handling-area"]["state"], "alone");
    EXPECT_TRUE(state["lockdowns"].empty());
}

TEST_F(ZoneRoutesTest, ReadRoutesTakeNoBodyOrQuery) {
    auto r = call(desk(), core::HttpMethod::get, "/api/muster", {{"x", 1}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body["code"], "doors.bad_request");
}

}  // namespace
