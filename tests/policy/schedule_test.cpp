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

namespace {

// Checked with Python: 2026-09-22 (Tue, 国民の休日) and 2026-09-24 (Thu), 10:00 JST; 2026-09-21
// 23:30 UTC is already 09-22 08:30 in Tokyo.
constexpr sekimori::core::TimeUs kHolidayTue1000Jst = 1'790'038'800'000'000;
constexpr sekimori::core::TimeUs kWorkdayThu1000Jst = 1'790'211'600'000'000;
constexpr sekimori::core::TimeUs kMon2330UtcHolidayInTokyo = 1'790'033'400'000'000;
constexpr sekimori::core::TimeUs kClosureMon1000Jst = 1'798'419'600'000'000;  // 2026-12-28

std::shared_ptr<const HolidayCalendar> japan() {
    auto calendar =
        HolidayCalendar::loadCsv(std::string(SEKIMORI_SOURCE_DIR) + "/policy/data/syukujitsu.csv");
    EXPECT_TRUE(calendar);
    auto withClosures = std::make_shared<HolidayCalendar>(std::move(calendar.value()));
    EXPECT_TRUE(withClosures->addClosure(CivilDate{2026, 12, 28}, "年末年始"));
    return withClosures;
}

Schedule withRule(HolidayRule rule, std::uint8_t days = kWeekdays) {
    Schedule s{"office", 540, {{days, 8 * 60, 20 * 60}}};
    s.holidays = rule;
    s.calendar = japan();
    return s;
}

}  // namespace

TEST(Schedule, LocalDayFollowsTheOffset) {
    EXPECT_EQ(toLocal(kMon2330UtcHolidayInTokyo, 540).day, dayNumber(CivilDate{2026, 9, 22}));
    EXPECT_EQ(toLocal(kMon2330UtcHolidayInTokyo, 0).day, dayNumber(CivilDate{2026, 9, 21}));
}

TEST(Schedule, HolidayRulesAsATable) {
    struct Row {
        HolidayRule rule;
        std::uint8_t days;
        sekimori::core::TimeUs at;
        bool within;
    };
    const Row rows[] = {
        {HolidayRule::ignore, kWeekdays, kHolidayTue1000Jst, true},
        {HolidayRule::ignore, kWeekdays, kWorkdayThu1000Jst, true},
        {HolidayRule::closedOnHolidays, kWeekdays, kHolidayTue1000Jst, false},
        {HolidayRule::closedOnHolidays, kWeekdays, kWorkdayThu1000Jst, true},
        {HolidayRule::closedOnHolidays, kWeekdays, kMon2330UtcHolidayInTokyo, false},
        {HolidayRule::closedOnHolidays, kWeekdays, kClosureMon1000Jst, false},  // site closure
        {HolidayRule::holidaysOnly, kEveryDay, kHolidayTue1000Jst, true},
        {HolidayRule::holidaysOnly, kEveryDay, kWorkdayThu1000Jst, false},
        {HolidayRule::holidaysOnly, kEveryDay, kClosureMon1000Jst, true},
        {HolidayRule::holidaysOnly, kEveryDay, kHolidayTue1000Jst - 3 * 3600'000'000LL, false},
        {HolidayRule::holidaysOnly, kMonday, kHolidayTue1000Jst, false},  // windows still apply
    };
    for (const auto& row : rows) {
        EXPECT_EQ(isWithin(withRule(row.rule, row.days), row.at), row.within)
            << toString(row.rule) << " at " << row.at;
    }
}

TEST(Schedule, AHolidayRuleNeedsACalendar) {
    Schedule s = withRule(HolidayRule::closedOnHolidays);
    EXPECT_TRUE(validateSchedule(s));
    s.calendar = nullptr;
    auto bad = validateSchedule(s);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("needs a holiday calendar"), std::string::npos);
    EXPECT_FALSE(isWithin(s, kWorkdayThu1000Jst));  // fails closed if used anyway
    s.holidays = HolidayRule::ignore;
    EXPECT_TRUE(validateSchedule(s));
}

TEST(Schedule, HolidayRuleWords) {
    for (const auto rule :
         {HolidayRule::ignore, HolidayRule::closedOnHolidays, HolidayRule::holidaysOnly}) {
        EXPECT_EQ(holidayRuleFromString(toString(rule)), rule);
    }
    EXPECT_EQ(toString(HolidayRule::closedOnHolidays), "closed");
    EXPECT_FALSE(holidayRuleFromString("Closed"));
    EXPECT_FALSE(holidayRuleFromString(""));
}

TEST(Schedule, NextChangeIsTheWindowsEndOrTheNextStart) {
    const Schedule s = office();
    constexpr sekimori::core::TimeUs kHourUs = 60 * kMinuteUs;
    EXPECT_EQ(nextChangeUs(s, kWed1000Jst), kWed2000Jst);
    EXPECT_EQ(nextChangeUs(s, kWed1000Jst + 123), kWed2000Jst);
    EXPECT_EQ(nextChangeUs(s, kWed2000Jst), kWed0800Jst + 24 * kHourUs);  // Thursday 08:00
    EXPECT_EQ(nextChangeUs(s, kWed0800Jst - 1), kWed0800Jst);
    EXPECT_EQ(nextChangeUs(s, kSat1000Jst), kSat1000Jst + 46 * kHourUs);  // Monday 08:00
    // Nothing changes for eight days: the limit.
    EXPECT_EQ(nextChangeUs(Schedule{"never", 540, {}}, kWed1000Jst),
              kWed1000Jst + 8 * 24 * kHourUs);
    EXPECT_EQ(nextChangeUs(Schedule{"always", 540, {{kEveryDay, 0, 1440}}}, kWed1000Jst),
              kWed1000Jst + 8 * 24 * kHourUs);
    // Two windows that touch at midnight are one stretch: no change at 24:00.
    const Schedule night{"night", 540, {{kEveryDay, 22 * 60, 1440}, {kEveryDay, 0, 6 * 60}}};
    EXPECT_EQ(nextChangeUs(night, kWed2000Jst + 3 * kHourUs), kWed0800Jst + 22 * kHourUs);
}

TEST(Schedule, NextChangeSkipsTheHolidaysAClosedScheduleKeepsShut) {
    // Tuesday 2026-09-22 (国民の休日) and Wednesday 秋分の日 are shut: the next open is Thursday
    // 08:00.
    const Schedule s = withRule(HolidayRule::closedOnHolidays);
    EXPECT_EQ(nextChangeUs(s, kHolidayTue1000Jst), kWorkdayThu1000Jst - 2 * 60 * kMinuteUs);
}
