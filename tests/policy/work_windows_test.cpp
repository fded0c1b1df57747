#include "policy/work_windows.hpp"

#include <gtest/gtest.h>

namespace sekimori::policy {
namespace {

constexpr core::TimeUs kHour = 3'600LL * 1'000'000;

WorkWindow windowOf(const std::string& id, const std::string& person, core::TimeUs from,
                    core::TimeUs to, const std::string& area = "handling") {
    return WorkWindow{id, person, area, from, to};
}

TEST(WorkWindowBook, AWindowIsOpenFromItsStartUntilJustBeforeItsEnd) {
    WorkWindowBook book;
    book.setHandler("ann", {"handling"});
    book.putWindow(windowOf("ap-1", "ann", 9 * kHour, 12 * kHour));
    EXPECT_EQ(book.openWindow("ann", "handling", 9 * kHour - 1), nullptr);
    ASSERT_NE(book.openWindow("ann", "handling", 9 * kHour), nullptr);
    EXPECT_EQ(book.openWindow("ann", "handling", 12 * kHour - 1)->approvalId, "ap-1");
    EXPECT_EQ(book.openWindow("ann", "handling", 12 * kHour), nullptr);
    EXPECT_EQ(book.openWindow("ann", "server_room", 10 * kHour), nullptr);
    EXPECT_EQ(book.openWindow("bob", "handling", 10 * kHour), nullptr);
}

TEST(WorkWindowBook, AWindowOpensNothingForSomeoneNoLongerDesignated) {
    WorkWindowBook book;
    book.setHandler("ann", {"handling"});
    book.putWindow(windowOf("ap-1", "ann", 0, 10 * kHour));
    book.setHandler("ann", {});
    EXPECT_FALSE(book.isHandler("ann", "handling"));
    EXPECT_EQ(book.openWindow("ann", "handling", kHour), nullptr);
    EXPECT_EQ(book.handlerCount(), 0U);
    EXPECT_EQ(book.windowCount(), 1U);  // still on record; it opens nothing
}

TEST(WorkWindowBook, ReplacingOrRemovingAnApprovalLeavesNoStaleWindow) {
    WorkWindowBook book;
    book.setHandler("ann", {"handling"});
    book.setHandler("bob", {"handling"});
    book.putWindow(windowOf("ap-1", "ann", 0, 10 * kHour));
    book.putWindow(windowOf("ap-1", "bob", 0, 10 * kHour));  // the vault moved the approval
    EXPECT_EQ(book.openWindow("ann", "handling", kHour), nullptr);
    EXPECT_NE(book.openWindow("bob", "handling", kHour), nullptr);
    book.removeWindow("ap-1");
    book.removeWindow("ap-unknown");
    EXPECT_EQ(book.openWindow("bob", "handling", kHour), nullptr);
    EXPECT_EQ(book.windowCount(), 0U);
}

TEST(WorkWindowBook, TheEndTimerSeesEveryEndInOrder) {
    WorkWindowBook book;
    book.putWindow(windowOf("a", "ann", 0, 5 * kHour));
    book.putWindow(windowOf("b", "bob", 0, 3 * kHour));
    book.putWindow(windowOf("c", "cat", 0, 3 * kHour));
    EXPECT_EQ(book.nextEndAfter(0), 3 * kHour);
    EXPECT_EQ(book.nextEndAfter(3 * kHour), 5 * kHour);
    EXPECT_EQ(book.nextEndAfter(5 * kHour), 0);
    EXPECT_EQ(book.endingBetween(0, 3 * kHour).size(), 2U);
    EXPECT_EQ(book.endingBetween(3 * kHour, 5 * kHour).size(), 1U);
    EXPECT_TRUE(book.endingBetween(5 * kHour, 9 * kHour).empty());
}

}  // namespace
}  // namespace sekimori::policy
