#include "policy/civil_date.hpp"

#include <gtest/gtest.h>

using namespace sekimori::policy;

TEST(CivilDate, DayNumbersAndWeekdays) {
    EXPECT_EQ(dayNumber(CivilDate{1970, 1, 1}), 0);
    EXPECT_EQ(dayNumber(CivilDate{1969, 12, 31}), -1);
    EXPECT_EQ(dayNumber(CivilDate{2000, 3, 1}), 11017);
    // Checked against Python's datetime: date(2026, 9, 22).toordinal() - date(1970, 1,
    // 1).toordinal()
    EXPECT_EQ(dayNumber(CivilDate{2026, 9, 22}), 20718);
    EXPECT_EQ(weekdayOf(dayNumber(CivilDate{2026, 9, 22})), 1);  // a Tuesday
    EXPECT_EQ(weekdayOf(dayNumber(CivilDate{2025, 2, 23})), 6);  // a Sunday
    EXPECT_EQ(weekdayOf(-1), 2);                                 // 1969-12-31, a Wednesday
    for (std::int64_t day = -800'000; day <= 800'000; day += 997) {
        EXPECT_EQ(dayNumber(dateOfDay(day)), day);
    }
    EXPECT_EQ(dateOfDay(dayNumber(CivilDate{2028, 2, 29})), (CivilDate{2028, 2, 29}));
}

TEST(CivilDate, ParsingBothShapes) {
    EXPECT_EQ(parseDate("2026-09-22"), (CivilDate{2026, 9, 22}));
    EXPECT_EQ(parseDate("2026/9/22"), (CivilDate{2026, 9, 22}));
    EXPECT_EQ(parseDate("2026/09/22"), (CivilDate{2026, 9, 22}));
    EXPECT_EQ(parseDate("2028-02-29"), (CivilDate{2028, 2, 29}));
    for (const char* bad :
         {"", "2026", "2026-9-22", "2026-02-30", "2027-02-29", "2026/13/1", "2026/1/1/1", "2026/1/",
          "26/1/1", "2026/1/1 ", "２０２６/1/1", "2026-01-01x", "-2026-01-01"}) {
        EXPECT_FALSE(parseDate(bad)) << bad;
    }
    EXPECT_EQ(toIsoString(CivilDate{2026, 5, 6}), "2026-05-06");
}
