#include "policy/schedule.hpp"

#include <gtest/gtest.h>

using namespace sekimori::policy;

namespace {

// Instants checked against an independent calendar (Python's datetime).
constexpr sekimori::core::TimeUs kWed1000Jst = 1'795'568'400'000'000;
constexpr sekimori::core::TimeUs kWed0800Jst = 1'795'561'200'000'000;
constexpr sekimori::core::TimeUs kWed2000Jst = 1'795'604'400'000'000;
constexpr sekimori::core::TimeUs kSat1000Jst = 1'795'827'600'000'000;
constexpr sekimori::core::TimeUs kTue2330Utc = 1'795'563'000'000'000;
constexpr sekimori::core::TimeUs kMinuteUs = 60'000'000;

Schedule office() {
    return Schedule{"office", 540, {{kWeekdays, 8 * 60, 20 * 60}}};
}

}  // namespace

TEST(Schedule, LocalTimeUsesTheOffset) {
    EXPECT_EQ(toLocal(kWed1000Jst, 540).weekday, 2);
    EXPECT_EQ(toLocal(kWed1000Jst, 540).minuteOfDay, 600);
    EXPECT_EQ(toLocal(kTue2330Utc, 0).weekday, 1);
    EXPECT_EQ(toLocal(kTue2330Utc, 0).minuteOfDay, 23 * 60 + 30);
    EXPECT_EQ(toLocal(kTue2330Utc, 540).weekday, 2);  // already Wednesday 08:30 in Tokyo
    EXPECT_EQ(toLocal(kTue2330Utc, 540).minuteOfDay, 8 * 60 + 30);
    EXPECT_EQ(toLocal(kSat1000Jst, 540).weekday, 5);
    EXPECT_EQ(toLocal(-kMinuteUs, 0).weekday, 2);  // 1969-12-31 23:59 was a Wednesday
    EXPECT_EQ(toLocal(-kMinuteUs, 0).minuteOfDay, 1439);
}

TEST(Schedule, WindowStartIsInsideAndEndIsOutside) {
    const Schedule s = office();
    EXPECT_TRUE(isWithin(s, kWed1000Jst));
    EXPECT_TRUE(isWithin(s, kWed0800Jst));
    EXPECT_FALSE(isWithin(s, kWed0800Jst - kMinuteUs));
    EXPECT_TRUE(isWithin(s, kWed2000Jst - kMinuteUs));
    EXPECT_FALSE(isWithin(s, kWed2000Jst));
    EXPECT_FALSE(isWithin(s, kSat1000Jst));
    EXPECT_TRUE(isWithin(s, kTue2330Utc));
    EXPECT_FALSE(isWithin(Schedule{"utc-office", 0, {{kWeekdays, 8 * 60, 20 * 60}}}, kTue2330Utc));
    EXPECT_FALSE(isWithin(Schedule{"never", 540, {}}, kWed1000Jst));
}

TEST(Schedule, ValidationNamesTheProblem) {
    EXPECT_TRUE(validateSchedule(office()));
    auto bad = validateSchedule(Schedule{"x", 540, {{kWeekdays, 20 * 60, 8 * 60}}});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("schedule x"), std::string::npos);
    EXPECT_FALSE(validateSchedule(Schedule{"x", 540, {{0, 0, 60}}}));
    EXPECT_FALSE(validateSchedule(Schedule{"x", 540, {{0x80, 0, 60}}}));
    EXPECT_FALSE(validateSchedule(Schedule{"x", 540, {{kEveryDay, 0, 1441}}}));
    EXPECT_FALSE(validateSchedule(Schedule{"x", 15 * 60, {}}));
    EXPECT_FALSE(validateSchedule(Schedule{"Bad Id", 540, {}}));
}
