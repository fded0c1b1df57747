// The reports' from/to and times in the site's zone, as tables.
#include "core/report_time.hpp"

#include <gtest/gtest.h>

namespace sekimori::core {
namespace {

constexpr int kJst = 540;
// 2026-12-01T00:00:00Z
constexpr core::TimeUs kDec1Utc = 1'796'083'200'000'000;

TEST(ReportTime, ParsesEveryAcceptedShape) {
    struct Row {
        const char* text;
        core::TimeUs expected;
    };
    const Row rows[] = {
        {"1796083200000000", kDec1Utc},
        {"2026-12-01T00:00:00Z", kDec1Utc},
        {"2026-12-01T09:00:00+09:00", kDec1Utc},
        {"2026-12-01T09:00+09:00", kDec1Utc},
        {"2026-12-01T09:00", kDec1Utc},                  // site local
        {"2026-12-01 09:00:00", kDec1Utc},               // a space instead of T
        {"2026-12-01", kDec1Utc - 9 * 3'600'000'000LL},  // the site's local midnight
        {"2026-11-30T19:00:00-05:00", kDec1Utc},
    };
    for (const auto& row : rows) {
        auto t = parseReportTime(row.text, kJst);
        ASSERT_TRUE(t.has_value()) << row.text;
        EXPECT_EQ(*t, row.expected) << row.text;
    }
}

TEST(ReportTime, RefusesWhatIsNotATime) {
    for (const char* text : {"", "yesterday", "2026-13-01", "2026-12-01T25:00", "2026-12-1",
                             "2026-12-01T09:00+9", "-5", "2026-12-01T09:00:00Zjunk"}) {
        EXPECT_FALSE(parseReportTime(text, kJst).has_value()) << text;
    }
}

TEST(ReportTime, FormatsInTheSiteZone) {
    EXPECT_EQ(formatSiteTime(kDec1Utc, kJst), "2026-12-01 09:00:00 +09:00");
    EXPECT_EQ(formatSiteTime(kDec1Utc, 0), "2026-12-01 00:00:00 +00:00");
    EXPECT_EQ(formatSiteTime(kDec1Utc, -300), "2026-11-30 19:00:00 -05:00");
    EXPECT_EQ(zoneName(kJst), "UTC+09:00");
    EXPECT_EQ(zoneName(-330), "UTC-05:30");
}

TEST(ReportTime, LocalClockGivesHourAndWeekday) {
    // 2026-12-01 is a Tuesday; 09:00 in Tokyo.
    const LocalClock c = localClock(kDec1Utc, kJst);
    EXPECT_EQ(c.hour, 9);
    EXPECT_EQ(c.weekday, 2);
    // 2026-12-05T23:30+09:00 is a Saturday.
    const LocalClock sat = localClock(*parseReportTime("2026-12-05T23:30", kJst), kJst);
    EXPECT_EQ(sat.hour, 23);
    EXPECT_EQ(sat.weekday, 6);
}

}  // namespace
}  // namespace sekimori::core
