// The shell's routes over real HTTPS: /api/me's pages, site and language; the per-operator
// language and its event; the public message catalogue; /api/site; and the "code" every error
// answer carries.
#include "console/shell_pages.hpp"
#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using json = nlohmann::json;

class ShellRoutes : public ConsoleFixture {
  protected:
    void adjustOptions(ConsoleOptions& options) const override {
        options.site = core::SiteInfo{"hq", "Head office", 540};
        core::ZoneConfig site{"hq", "Head office", "", core::ZoneKind::site, std::nullopt};
        core::ZoneConfig floor{"f1", "First floor", "hq", core::ZoneKind::floor,
                               core::PlanRect{0, 0, 1000, 600}};
        core::ZoneConfig lobby{"lobby", "Lobby", "f1", core::ZoneKind::area,
                               core::PlanRect{10, 20, 300, 200}};
        options.zones = {site, floor, lobby};
    }
};

TEST_F(ShellRoutes, MeListsTheRolesShellPagesTheSiteAndJapaneseByDefault) {
    const std::map<Role, json> expected = {
        {Role::deskOperator, {"overview", "events"}},
        {Role::facilityAdmin, json::array()},
        {Role::securityAdmin, {"overview", "events", "audit", "operators"}},
        {Role::auditor, {"events", "audit"}},
        {Role::bcpCoordinator, {"overview", "events"}},
    };
    for (const auto& [role, pages] : expected) {
        const auto cookie = loginAs(role);
        const Reply me = request(http::verb::get, "/api/me", "", cookie);
        ASSERT_EQ(me.status, 200u) << me.body;
        EXPECT_EQ(me.json()["pages"], pages) << roleName(role);
        EXPECT_EQ(me.json()["language"], "ja");
        EXPECT_EQ(me.json()["site"],
                  (json{{"id", "hq"}, {"name", "Head office"}, {"utc_offset_minutes", 540}}));
    }
}

TEST_F(ShellRoutes, LanguageIsStoredPerOperatorAndRecorded) {
    const auto cookie = loginAs(Role::deskOperator);
    const Reply set =
        request(http::verb::post, "/api/session/language", R"({"language":"en"})", cookie, origin_);
    ASSERT_EQ(set.status, 200u) << set.body;
    EXPECT_EQ(set.json(), (json{{"language", "en"}}));
    EXPECT_EQ(request(http::verb::get, "/api/me", "", cookie).json()["language"], "en");
    // Another session of the same operator, and a new login, see it too; others keep theirs.
    EXPECT_EQ(
        request(http::verb::get, "/api/me", "", loginAs(Role::deskOperator)).json()["language"],
        "en");
    EXPECT_EQ(request(http::verb::get, "/api/me", "", loginAs(Role::auditor)).json()["language"],
              "ja");

    const auto events = recorder_.ofType("operator.language_set");
    ASSERT_EQ(events.size(), 1u);  // durable before the answer
    EXPECT_EQ(events[0].subject, "u-operator");
    EXPECT_EQ(events[0].source, "operator:u-operator");
    const json payload = json::parse(events[0].payload);
    EXPECT_EQ(payload["language"], "en");
    EXPECT_EQ(payload["actor"], "u-operator");
    EXPECT_EQ(payload["role"], "operator");

    for (const char* body : {R"({"language":"fr"})", R"({"language":1})", R"({})",
                             R"({"language":"en","x":1})", "nope"}) {
        const Reply bad = request(http::verb::post, "/api/session/language", body, cookie, origin_);
        EXPECT_EQ(bad.status, 400u) << body;
        EXPECT_TRUE(bad.json()["code"].is_string()) << bad.body;
    }
    EXPECT_EQ(
        request(http::verb::post, "/api/session/language", R"({"language":"fr"})", cookie, origin_)
            .json()["code"],
        "bad_language");
    EXPECT_EQ(recorder_.ofType("operator.language_set").size(), 1u);
}

TEST_F(ShellRoutes, MessagesArePublicInBothLanguages) {
    const Reply ja = request(http::verb::get, "/api/ui/messages?lang=ja");
    ASSERT_EQ(ja.status, 200u) << ja.body;
    EXPECT_EQ(ja.json()["lang"], "ja");
    EXPECT_EQ(ja.json()["messages"]["error.not_found"], "見つかりません。");
    const Reply en = request(http::verb::get, "/api/ui/messages?lang=en");
    EXPECT_EQ(en.json()["messages"]["error.not_found"], "Not found.");
    EXPECT_EQ(en.json()["messages"].size(), ja.json()["messages"].size());
    EXPECT_EQ(request(http::verb::get, "/api/ui/messages").json()["lang"], "ja");
    const Reply bad = request(http::verb::get, "/api/ui/messages?lang=de");
    EXPECT_EQ(bad.status, 400u);
    EXPECT_EQ(bad.json()["code"], "bad_language");
    EXPECT_EQ(request(http::verb::get, "/api/ui/messages?x=1").json()["code"], "unknown_parameter");
}

TEST_F(ShellRoutes, SiteListsZonesWithTheirPlans) {
    EXPECT_EQ(request(http::verb::get, "/api/site").status, 401u);
    const Reply site = request(http::verb::get, "/api/site", "", loginAs(Role::facilityAdmin));
    ASSERT_EQ(site.status, 200u) << site.body;
    EXPECT_EQ(site.json()["site"]["utc_offset_minutes"], 540);
    const json zones = site.json()["zones"];
    ASSERT_EQ(zones.size(), 3u);
    EXPECT_EQ(zones[0], (json{{"id", "hq"},
                              {"name", "Head office"},
                              {"kind", "site"},
                              {"parent", ""},
                              {"plan", nullptr}}));
    EXPECT_EQ(zones[1]["plan"], (json{{"x", 0.0}, {"y", 0.0}, {"w", 1000.0}, {"h", 600.0}}));
    EXPECT_EQ(zones[2]["kind"], "area");
    EXPECT_EQ(zones[2]["parent"], "f1");
    EXPECT_EQ(zones[2]["plan"]["x"], 10.0);
}

TEST_F(ShellRoutes, EveryErrorCarriesACode) {
    const auto cookie = loginAs(Role::deskOperator);
    const struct {
        http::verb method;
        const char* target;
        std::string cookie;
        std::string origin;
        unsigned status;
        const char* code;
    } cases[] = {
        {http::verb::get, "/api/nothing", cookie, "", 404, "not_found"},
        {http::verb::delete_, "/api/me", cookie, "", 405, "method_not_allowed"},
        {http::verb::get, "/api/me", "", "", 401, "unauthorized"},
        {http::verb::get, "/api/audit/status", cookie, "", 403, "forbidden"},
        {http::verb::get, "/api/me?x=1", cookie, "", 400, "unknown_parameter"},
        {http::verb::get, "/api/events?limit=9999", cookie, "", 400, "bad_limit"},
        {http::verb::get, "/api/events?a=%zz", cookie, "", 400, "bad_query"},
        {http::verb::post, "/api/logout", cookie, "https://evil.example", 403, "origin_refused"},
        {http::verb::get, "/ws/events", cookie, "", 400, "upgrade_required"},
    };
    for (const auto& c : cases) {
        const Reply r = request(c.method, c.target, "", c.cookie, c.origin);
        EXPECT_EQ(r.status, c.status) << c.target << " " << r.body;
        EXPECT_EQ(r.json()["code"], c.code) << c.target << " " << r.body;
        EXPECT_TRUE(r.json()["error"].is_string()) << c.target;
    }
    const Reply badLogin = postLogin("u-operator", "wrong-password");
    EXPECT_EQ(badLogin.json()["code"], "bad_credentials");
}

}  // namespace
}  // namespace sekimori::console::testing
