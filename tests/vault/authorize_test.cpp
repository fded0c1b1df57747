#include "vault/authorize.hpp"

#include <gtest/gtest.h>

namespace sekimori::vault {
namespace {

constexpr core::TimeUs kHour = 3'600LL * 1'000'000;
const std::set<std::string> kAreas{"handling"};

struct Site {
    policy::WorkWindowBook book;
    AreaPresence presence;
    void handler(const std::string& person, core::TimeUs from, core::TimeUs to) {
        book.setHandler(person, {"handling"});
        book.putWindow({"ap-" + person, person, "handling", from, to});
    }
    void enter(const std::string& person, const std::string& zone = "handling") {
        presence.apply("presence.entered", {{"person", person}, {"zone", zone}}, 0);
    }
    void leave(const std::string& person, const std::string& zone = "handling") {
        presence.apply("presence.left", {{"person", person}, {"zone", zone}}, 0);
    }
    AuthorizeAnswer ask(const std::string& person, core::TimeUs now,
                        const std::string& area = "handling") {
        return authorize(book, presence, kAreas, person, area, now);
    }
};

TEST(Authorize, TheAnswerIsYesOnlyInsideAWindowWithASecondAuthorisedPersonPresent) {
    Site site;
    site.handler("ann", 9 * kHour, 12 * kHour);
    site.handler("bob", 9 * kHour, 11 * kHour);
    site.enter("ann");
    EXPECT_EQ(site.ask("ann", 10 * kHour).reason, "alone");
    site.enter("bob");
    auto yes = site.ask("ann", 10 * kHour);
    EXPECT_TRUE(yes.authorized);
    EXPECT_EQ(yes.reason, "ok");
    EXPECT_EQ(yes.secondPerson, "bob");
    ASSERT_NE(yes.window, nullptr);
    EXPECT_EQ(yes.window->approvalId, "ap-ann");
    // Bob's window ended: he is still inside, but no longer an authorised second person.
    EXPECT_EQ(site.ask("ann", 11 * kHour).reason, "alone");
    // Ann's own window ended.
    EXPECT_EQ(site.ask("ann", 12 * kHour).reason, "no_window");
}

TEST(Authorize, APresentVisitorIsNotASecondPerson) {
    Site site;
    site.handler("ann", 0, 10 * kHour);
    site.book.setHandler("vic", {"handling"});  // designated, but no window today
    site.enter("ann");
    site.enter("vic");
    site.enter("guest");
    EXPECT_EQ(site.ask("ann", kHour).reason, "alone");
}

TEST(Authorize, EachNoNamesTheFirstUnmetCondition) {
    Site site;
    site.handler("ann", 0, 10 * kHour);
    site.handler("bob", 0, 10 * kHour);
    site.enter("bob");
    EXPECT_EQ(site.ask("ann", kHour, "server_room").reason, "unknown_area");
    EXPECT_EQ(site.ask("zed", kHour).reason, "not_a_handler");
    EXPECT_EQ(site.ask("ann", 11 * kHour).reason, "no_window");
    auto outside = site.ask("ann", kHour);
    EXPECT_EQ(outside.reason, "not_inside");
    EXPECT_FALSE(outside.inside);
    site.enter("ann", "lobby");
    EXPECT_EQ(site.ask("ann", kHour).reason, "not_inside");
    site.enter("ann");
    EXPECT_TRUE(site.ask("ann", kHour).authorized);
    site.leave("bob");
    EXPECT_EQ(site.ask("ann", kHour).reason, "alone");
    site.leave("ann");
    EXPECT_EQ(site.ask("ann", kHour).reason, "not_inside");
}

}  // namespace
}  // namespace sekimori::vault
