// The route table on its own: patterns, matching, specificity and conflicts.
#include <gtest/gtest.h>

#include "console/router.hpp"

namespace sekimori::console {
namespace {

using V = http::verb;

Handler noop() {
    return [](const ApiRequest&, Reply) {};
}

TEST(Router, MatchesLiteralsAndWholeSegmentParameters) {
    Router router;
    ASSERT_TRUE(router.add(V::get, "/api/doors", RouteAccess::loggedIn(), noop()).ok());
    ASSERT_TRUE(router.add(V::get, "/api/doors/{id}", RouteAccess::loggedIn(), noop()).ok());
    ASSERT_TRUE(router.add(V::post, "/api/alarms/{id}/ack", RouteAccess::loggedIn(), noop()).ok());

    auto found = router.find(V::get, "/api/doors/server-room");
    ASSERT_EQ(found.match, Router::Match::found);
    EXPECT_EQ(found.route->pattern, "/api/doors/{id}");
    EXPECT_EQ(found.params, (std::map<std::string, std::string>{{"id", "server-room"}}));

    found = router.find(V::post, "/api/alarms/a%207/ack");
    ASSERT_EQ(found.match, Router::Match::found);
    EXPECT_EQ(found.params.at("id"), "a 7");

    EXPECT_EQ(router.find(V::get, "/api/doors").route->pattern, "/api/doors");
    EXPECT_EQ(router.find(V::get, "/api/doors/").match, Router::Match::unknownPath);
    EXPECT_EQ(router.find(V::get, "/api/doors/a/b").match, Router::Match::unknownPath);
    EXPECT_EQ(router.find(V::get, "/api//doors").match, Router::Match::unknownPath);
    EXPECT_EQ(router.find(V::get, "api/doors").match, Router::Match::unknownPath);
    EXPECT_EQ(router.find(V::get, "/api/alarms/a-1/ack").match, Router::Match::wrongMethod);
    EXPECT_EQ(router.find(V::delete_, "/api/doors/x").match, Router::Match::wrongMethod);

    found = router.find(V::get, "/api/doors/bad%2");
    EXPECT_EQ(found.match, Router::Match::badParam);
    EXPECT_TRUE(found.error.starts_with("id:")) << found.error;
    EXPECT_EQ(router.find(V::get, "/api/doors/nul%00").match, Router::Match::badParam);
}

TEST(Router, ALiteralSegmentWinsAtTheFirstDifferenceWhateverTheOrder) {
    Router router;
    ASSERT_TRUE(router.add(V::get, "/api/{kind}/{id}", RouteAccess::loggedIn(), noop()).ok());
    ASSERT_TRUE(router.add(V::get, "/api/doors/{id}", RouteAccess::loggedIn(), noop()).ok());
    ASSERT_TRUE(router.add(V::get, "/api/doors/summary", RouteAccess::loggedIn(), noop()).ok());
    ASSERT_TRUE(router.add(V::get, "/api/{kind}/summary", RouteAccess::loggedIn(), noop()).ok());
    EXPECT_EQ(router.find(V::get, "/api/doors/summary").route->pattern, "/api/doors/summary");
    EXPECT_EQ(router.find(V::get, "/api/doors/d1").route->pattern, "/api/doors/{id}");
    EXPECT_EQ(router.find(V::get, "/api/gates/summary").route->pattern, "/api/{kind}/summary");
    EXPECT_EQ(router.find(V::get, "/api/gates/g1").route->pattern, "/api/{kind}/{id}");
}

TEST(Router, TheSameMethodAndShapeTwiceIsAConflictNamingBothOwners) {
    Router router;
    ASSERT_TRUE(
        router.add(V::get, "/api/doors/{id}", RouteAccess::loggedIn(), noop(), "doors").ok());
    auto again = router.add(V::get, "/api/doors/{door}", RouteAccess::loggedIn(), noop(), "gates");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "console.route_conflict");
    EXPECT_NE(again.error().message.find("(gates) is already taken by /api/doors/{id} (doors)"),
              std::string::npos)
        << again.error().message;
    EXPECT_TRUE(router.add(V::post, "/api/doors/{door}", RouteAccess::loggedIn(), noop()).ok());
}

TEST(Router, MalformedPatternsAreRefused) {
    for (const char* pattern : {"", "/", "x", "/a//b", "/a/{}", "/a/{1x}", "/a/{x", "/a/x}",
                                "/a/{x}{y}", "/a/b c", "/a/{x}/{x}", "/a/"}) {
        EXPECT_FALSE(parsePattern(pattern).ok()) << pattern;
    }
    auto ok = parsePattern("/api/alarms/{alarmId}/ack");
    ASSERT_TRUE(ok.ok());
    ASSERT_EQ(ok->size(), 4u);
    EXPECT_TRUE((*ok)[2].isParam);
    EXPECT_EQ((*ok)[2].text, "alarmId");
}

}  // namespace
}  // namespace sekimori::console
