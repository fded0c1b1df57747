#include "policy/japanese_holiday_law.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace sekimori::policy;

// The equinox days the Cabinet Office published (官報, from the National Astronomical
// Observatory's 暦要項) for the years known: the formula must reproduce every one.
TEST(JapaneseHolidayLaw, EquinoxFormulaMatchesThePublishedYears) {
    struct Published {
        int year;
        int vernal;
        int autumnal;
    };
    const Published published[] = {
        {2016, 20, 22}, {2017, 20, 23}, {2018, 21, 23}, {2019, 21, 23},
        {2020, 20, 22}, {2021, 20, 23}, {2022, 21, 23}, {2023, 21, 23},
        {2024, 20, 22}, {2025, 20, 23}, {2026, 20, 23}, {2027, 21, 23},
    };
    for (const auto& p : published) {
        EXPECT_EQ(vernalEquinoxDay(p.year), p.vernal) << p.year;
        EXPECT_EQ(autumnalEquinoxDay(p.year), p.autumnal) << p.year;
    }
}

TEST(JapaneseHolidayLaw, TheYear2026AsPublished) {
    const char* expected[] = {
        "2026-01-01 元日",         "2026-01-12 成人の日",   "2026-02-11 建国記念の日",
        "2026-02-23 天皇誕生日",   "2026-03-20 春分の日",   "2026-04-29 昭和の日",
        "2026-05-03 憲法記念日",   "2026-05-04 みどりの日", "2026-05-05 こどもの日",
        "2026-05-06 休日",         "2026-07-20 海の日",     "2026-08-11 山の日",
        "2026-09-21 敬老の日",     "2026-09-22 休日",       "2026-09-23 秋分の日",
        "2026-10-12 スポーツの日", "2026-11-03 文化の日",   "2026-11-23 勤労感謝の日",
    };
    const auto holidays = japaneseHolidaysByLaw(2026);
    ASSERT_EQ(holidays.size(), std::size(expected));
    for (std::size_t i = 0; i < holidays.size(); ++i) {
        EXPECT_EQ(toIsoString(holidays[i].date) + " " + holidays[i].name, expected[i]);
    }
    EXPECT_EQ(holidays[9].kind, HolidayKind::substitute);  // 5/3 was a Sunday
    EXPECT_EQ(holidays[13].kind, HolidayKind::citizens);   // between 敬老の日 and 秋分の日
}

TEST(JapaneseHolidayLaw, SubstitutesOf2025) {
    std::string substitutes;
    for (const auto& h : japaneseHolidaysByLaw(2025)) {
        if (h.kind == HolidayKind::substitute) {
            substitutes += toIsoString(h.date) + " ";
        }
    }
    // 天皇誕生日, みどりの日 (after こどもの日) and 勤労感謝の日 fell on Sundays.
    EXPECT_EQ(substitutes, "2025-02-24 2025-05-06 2025-11-24 ");
}

TEST(JapaneseHolidayLaw, OutsideTheRulesThereIsNoAnswer) {
    EXPECT_TRUE(japaneseHolidaysByLaw(2021).empty());  // the Olympic moves are not rules
    EXPECT_TRUE(japaneseHolidaysByLaw(2100).empty());
    EXPECT_FALSE(japaneseHolidaysByLaw(2022).empty());
}
