// The console's REST API over real HTTPS on loopback: the role table, login and sessions,
// input validation and the security headers.
#include <set>

#include "console/console_app.hpp"
#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;

struct RouteCase {
    verb method;
    std::string path;
    std::set<Role> allowed;
};

const std::set<Role> kEveryone = {Role::deskOperator, Role::facilityAdmin, Role::securityAdmin,
                                  Role::auditor, Role::bcpCoordinator};

// The expected access policy, written independently of console_app.cpp's registration.
const std::vector<RouteCase>& expectedRoutes() {
    static const std::vector<RouteCase> cases = {
        {verb::get, "/api/me", kEveryone},
        {verb::get, "/api/events", kEveryone},
        {verb::get, "/api/audit/checkpoints", {Role::auditor, Role::securityAdmin}},
        {verb::get, "/api/ui/plugins", kEveryone},
        // Without an Upgrade header an allowed role gets 400 (upgrade required).
        {verb::get, "/ws/events", kEveryone},
        // Without a body an allowed role gets 400 (naming the body).
        {verb::post, "/api/session/password", kEveryone},
        {verb::post, "/api/logout", kEveryone},
        {verb::get, "/api/events.csv", {Role::deskOperator, Role::securityAdmin, Role::auditor}},
        {verb::get, "/api/audit/status", {Role::auditor, Role::securityAdmin}},
        {verb::post, "/api/audit/verify", {Role::auditor, Role::securityAdmin}},
        {verb::get, "/api/site", kEveryone},
        // Without a body an allowed role gets 400 (naming the body).
        {verb::post, "/api/session/language", kEveryone},
    };
    return cases;
}

using ConsoleRoutes = ConsoleFixture;

TEST_F(ConsoleRoutes, RouteTableMatchesThePolicyExactly) {
    const auto& routes = server_->app()->router().routes();
    // Every registered route except the public login and message catalogue is in the expected
    // table, and vice versa.
    EXPECT_EQ(routes.size(), expectedRoutes().size() + 2);
    for (const auto& r : routes) {
        EXPECT_EQ(r.owner, "console") << r.pattern;
        if (r.pattern == "/api/login" || r.pattern == "/api/ui/messages") {
            EXPECT_FALSE(r.access.needsLogin);
            continue;
        }
        bool found = false;
        for (const auto& c : expectedRoutes()) {
            if (c.method == r.method && c.path == r.pattern) {
                found = true;
                EXPECT_TRUE(r.access.needsLogin) << r.pattern;
                for (Role role : kAllRoles) {
                    EXPECT_EQ(r.access.roles.contains(role), c.allowed.contains(role))
                        << r.pattern << " " << roleName(role);
                }
            }
        }
        EXPECT_TRUE(found) << "route without an expected policy: " << r.pattern;
    }
}

TEST_F(ConsoleRoutes, EveryRouteForEveryRoleGivesTheExpectedStatus) {
    std::map<Role, std::string> cookies;
    for (Role role : kAllRoles) {
        cookies[role] = loginAs(role);
    }
    for (const auto& c : expectedRoutes()) {
        // Not logged in: 401 everywhere.
        EXPECT_EQ(request(c.method, c.path, "", "", origin_).status, 401u) << c.path;
        if (c.path == "/api/logout") {
            continue;  // checked last, it ends the sessions
        }
        for (Role role : kAllRoles) {
            const Reply r = request(c.method, c.path, "", cookies[role], origin_);
            unsigned expected = c.allowed.contains(role) ? 200u : 403u;
            if ((c.path == "/ws/events" || c.path == "/api/session/password" ||
                 c.path == "/api/session/language") &&
                expected == 200u) {
                expected = 400u;
            }
            EXPECT_EQ(r.status, expected) << c.path << " as " << roleName(role) << ": " << r.body;
            if (expected == 403u) {
                EXPECT_EQ(r.json()["error"],
                          "not permitted for role " + std::string(roleName(role)));
            }
        }
    }
    // Each refusal was recorded as operator.forbidden with the path and role.
    const auto forbidden = recorder_.ofType("operator.forbidden");
    std::size_t expectedRefusals = 0;
    for (const auto& c : expectedRoutes()) {
        if (c.path != "/api/logout") {
            expectedRefusals += std::size(kAllRoles) - c.allowed.size();
        }
    }
    EXPECT_EQ(forbidden.size(), expectedRefusals);
    const auto payload = nlohmann::json::parse(forbidden.at(0).payload);
    EXPECT_TRUE(payload.contains("path"));
    EXPECT_TRUE(payload.contains("role"));
    for (Role role : kAllRoles) {
        EXPECT_EQ(request(verb::post, "/api/logout", "", cookies[role], origin_).status, 200u);
        EXPECT_EQ(request(verb::get, "/api/me", "", cookies[role]).status, 401u);
    }
}

TEST_F(ConsoleRoutes, LoginSetsAStrictSessionCookieAndLogoutEndsIt) {
    const nlohmann::json body = {{"name", "u-operator"},
                                 {"password", passwords_[Role::deskOperator]}};
    const Reply r = request(verb::post, "/api/login", body.dump(), "", origin_);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["role"], "operator");
    const std::string setCookie = r.headers.at("set-cookie");
    EXPECT_TRUE(setCookie.starts_with("sekimori_session="));
    for (const char* attr : {"; HttpOnly", "; Secure", "; SameSite=Strict", "; Path=/"}) {
        EXPECT_NE(setCookie.find(attr), std::string::npos) << attr << " in " << setCookie;
    }
    const std::string cookie = setCookie.substr(0, setCookie.find(';'));
    // 256 random bits in URL-safe base64 without padding: 43 characters.
    EXPECT_EQ(cookie.size(), std::string("sekimori_session=").size() + 43);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).json()["name"], "u-operator");

    const Reply out = request(verb::post, "/api/logout", "", cookie, origin_);
    EXPECT_EQ(out.status, 200u);
    EXPECT_NE(out.headers.at("set-cookie").find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 401u);
    EXPECT_EQ(recorder_.ofType("operator.login").size(), 1u);
    EXPECT_EQ(recorder_.ofType("operator.logout").size(), 1u);
    for (const auto& e : recorder_.events()) {
        EXPECT_EQ(e.payload.find(passwords_[Role::deskOperator]), std::string::npos);
    }
}

TEST_F(ConsoleRoutes, SessionExpiresAfterFifteenIdleMinutes) {
    const std::string cookie = loginAs(Role::auditor);
    clock_.advanceMs(14 * 60 * 1000);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 200u);  // activity restarts it
    clock_.advanceMs(14 * 60 * 1000);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 200u);
    clock_.advanceMs(15 * 60 * 1000);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 401u);
    EXPECT_EQ(request(verb::get, "/api/events", "", cookie).status, 401u);
}

TEST_F(ConsoleRoutes, BadInputIs400NamingTheField) {
    auto post = [&](const std::string& body) {
        return request(verb::post, "/api/login", body, "", origin_);
    };
    auto errorOf = [](const Reply& r) { return r.json()["error"].get<std::string>(); };
    Reply r = post("{not json");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(errorOf(r).starts_with("body:")) << r.body;
    r = post(R"({"name": 5, "password": "x"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(errorOf(r).starts_with("name:")) << r.body;
    r = post(R"({"name": "Bad Name!", "password": "x"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(errorOf(r).starts_with("name:")) << r.body;
    r = post(R"({"name": "u-operator"})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(errorOf(r).starts_with("password:")) << r.body;
    r = post(R"({"name": "u-operator", "password": "x", "admin": true})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_NE(errorOf(r).find("admin"), std::string::npos) << r.body;

    const std::string cookie = loginAs(Role::deskOperator);
    for (const char* target : {"/api/events?limit=abc", "/api/events?limit=0",
                               "/api/events?limit=1001", "/api/events?limit=5x"}) {
        r = request(verb::get, target, "", cookie);
        EXPECT_EQ(r.status, 400u) << target;
        EXPECT_TRUE(errorOf(r).starts_with("limit:")) << r.body;
    }
    r = request(verb::get, "/api/events?colour=red", "", cookie);
    EXPECT_EQ(r.status, 400u);
    EXPECT_NE(errorOf(r).find("colour"), std::string::npos);
    // Query values are decoded before they are checked; a broken escape is refused.
    EXPECT_EQ(request(verb::get, "/api/events?limit=%35", "", cookie).status, 200u);
    r = request(verb::get, "/api/events?limit=%3", "", cookie);
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(errorOf(r).starts_with("limit:")) << r.body;
    // Nothing recorded a password or a forbidden access for these.
    EXPECT_TRUE(recorder_.ofType("operator.forbidden").empty());
}

TEST_F(ConsoleRoutes, UnknownRouteIs404AndWrongMethodIs405) {
    const std::string cookie = loginAs(Role::securityAdmin);
    EXPECT_EQ(request(verb::get, "/api/nothing", "", cookie).status, 404u);
    EXPECT_EQ(request(verb::get, "/api/nothing").status, 404u);
    EXPECT_EQ(request(verb::get, "/no-such-file.js").status, 404u);
    EXPECT_EQ(request(verb::get, "/../CMakeLists.txt").status, 404u);
    EXPECT_EQ(request(verb::get, "/.hidden").status, 404u);
    EXPECT_EQ(request(verb::get, "/%2e%2e/CMakeLists.txt").status, 404u);
    EXPECT_EQ(request(verb::get, "/api//me", "", cookie).status, 404u);
    EXPECT_EQ(request(verb::get, "/plugins/none/index.js", "", cookie).status, 404u);
    EXPECT_EQ(request(verb::delete_, "/api/events", "", cookie, origin_).status, 405u);
    EXPECT_EQ(request(verb::get, "/api/login").status, 405u);
}

TEST_F(ConsoleRoutes, ResponsesCarrySecurityHeaders) {
    const Reply page = request(verb::get, "/");
    ASSERT_EQ(page.status, 200u);
    EXPECT_NE(page.body.find("<html"), std::string::npos);
    EXPECT_TRUE(page.headers.at("content-type").starts_with("text/html"));
    EXPECT_TRUE(page.headers.at("content-security-policy").starts_with("default-src 'self'"));
    EXPECT_EQ(page.headers.at("x-content-type-options"), "nosniff");
    EXPECT_EQ(page.headers.at("referrer-policy"), "no-referrer");
    const Reply script = request(verb::get, "/shell.js");
    EXPECT_EQ(script.status, 200u);
    EXPECT_TRUE(script.headers.at("content-type").starts_with("text/javascript"));
    const Reply api = request(verb::get, "/api/me");
    EXPECT_EQ(api.headers.at("cache-control"), "no-store");
    EXPECT_EQ(api.headers.at("content-type"), "application/json");
    EXPECT_TRUE(api.headers.at("content-security-policy").starts_with("default-src 'self'"));
}

TEST_F(ConsoleRoutes, PostsFromAForeignOriginAreRefused) {
    const nlohmann::json body = {{"name", "u-operator"},
                                 {"password", passwords_[Role::deskOperator]}};
    Reply r = request(verb::post, "/api/login", body.dump(), "", "https://evil.example");
    EXPECT_EQ(r.status, 403u);
    EXPECT_TRUE(r.headers.find("set-cookie") == r.headers.end());
    const std::string cookie = loginAs(Role::deskOperator);
    r = request(verb::post, "/api/logout", "", cookie, "https://localhost:1");
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 200u);  // still logged in
}

TEST_F(ConsoleRoutes, FailedLoginsLockTheNameAfterFiveAndAreRecordedCoalesced) {
    const nlohmann::json wrong = {{"name", "u-auditor"}, {"password", "wrong-password"}};
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(request(verb::post, "/api/login", wrong.dump()).status, 401u);
    }
    const nlohmann::json right = {{"name", "u-auditor"}, {"password", passwords_[Role::auditor]}};
    Reply r = request(verb::post, "/api/login", right.dump());
    EXPECT_EQ(r.status, 429u) << r.body;
    EXPECT_EQ(r.headers.at("retry-after"), "30");
    // Other names are not affected.
    EXPECT_EQ(
        request(verb::post, "/api/login",
                nlohmann::json{{"name", "u-operator"}, {"password", passwords_[Role::deskOperator]}}
                    .dump())
            .status,
        200u);
    clock_.advanceMs(31'000);
    EXPECT_EQ(request(verb::post, "/api/login", right.dump()).status, 200u);

    // The first failure is recorded at once; the other five of the window wait for its end.
    auto failed = recorder_.ofType("operator.login_failed");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].subject, "u-auditor");
    auto first = nlohmann::json::parse(failed[0].payload);
    EXPECT_EQ(first["reason"], "bad_password");
    EXPECT_EQ(first["count"], 1);
    EXPECT_EQ(first["remote"], "127.0.0.1");
    clock_.advanceMs(30'000);
    onIo([&] { server_->app()->sweepNow(); });
    failed = recorder_.ofType("operator.login_failed");
    ASSERT_EQ(failed.size(), 2u);
    auto summary = nlohmann::json::parse(failed[1].payload);
    EXPECT_EQ(summary["count"], 5);
    EXPECT_EQ(summary["reasons"]["bad_password"], 4);
    EXPECT_EQ(summary["reasons"]["locked"], 1);
    EXPECT_EQ(summary["coalesced"], true);
    for (const auto& e : recorder_.events()) {
        EXPECT_EQ(e.payload.find("wrong-password"), std::string::npos);
    }
    // An unknown name is refused like a wrong password.
    r = request(verb::post, "/api/login",
                nlohmann::json{{"name", "nobody"}, {"password", "x"}}.dump());
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(r.json()["error"], "invalid name or password");
}

// Someone with the database file changes an account (here: disables it, as an insider would
// re-enable or promote one): the row no longer matches the trail, so its sessions end and it
// may not log in; operator.row_mismatch is recorded.
TEST_F(ConsoleRoutes, AnAccountEditedBehindTheDaemonLosesItsSessionsAndCannotLogIn) {
    const std::string cookie = loginAs(Role::securityAdmin);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 200u);
    {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(setOperatorRole(**db, "u-auditor", Role::securityAdmin).ok());
        ASSERT_TRUE(setOperatorDisabled(**db, "u-security_admin", true).ok());
    }
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 401u);
    const nlohmann::json body = {{"name", "u-auditor"}, {"password", passwords_[Role::auditor]}};
    EXPECT_EQ(request(verb::post, "/api/login", body.dump()).status, 401u);
    const auto failed = recorder_.ofType("operator.login_failed");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(failed[0].payload)["reason"], "row_mismatch");
    const auto mismatches = recorder_.ofType("operator.row_mismatch");
    ASSERT_EQ(mismatches.size(), 2u);
    std::set<std::string> names;
    for (const auto& m : mismatches) {
        names.insert(m.subject);
        EXPECT_EQ(nlohmann::json::parse(m.payload)["verdict"], "differs");
    }
    EXPECT_EQ(names, (std::set<std::string>{"u-auditor", "u-security_admin"}));
    const auto ended = recorder_.ofType("operator.session_ended");
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(ended[0].payload)["reason"], "row_mismatch");
}

TEST_F(ConsoleRoutes, BodiesOverTheLimitAre413) {
    const std::string big = "{\"name\": \"" + std::string(20 * 1024, 'a') + "\"}";
    const Reply r = request(verb::post, "/api/login", big);
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(r.json()["error"], "body: too large");
}

}  // namespace
}  // namespace sekimori::console::testing
