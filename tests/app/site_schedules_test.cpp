// The demo site's schedules as the doors and hub timers get them: the [calendar] (national list
// + closures) is loaded and shared, and a "closed" schedule stays shut on holidays and closures.
#include "app/site_schedules.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/site_file.hpp"

namespace sekimori::app {
namespace {

const std::filesystem::path sourceDir = SEKIMORI_SOURCE_DIR;

// Instants checked with Python's datetime: 10:00 JST on each day.
constexpr core::TimeUs kTue20261201 = 1'796'086'800'000'000;  // an ordinary Tuesday
constexpr core::TimeUs kWed20261230 = 1'798'592'400'000'000;  // 年末年始 closure
constexpr core::TimeUs kTue20260922 = 1'790'038'800'000'000;  // 国民の休日

TEST(SiteSchedules, DemoBusinessHoursFollowTheCalendar) {
    const auto file = loadSiteFile((sourceDir / "config/demo-site.toml").string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    const auto list = schedules(file->site);
    ASSERT_TRUE(list.ok()) << list.error().message;
    const policy::Schedule* business = nullptr;
    for (const auto& s : *list) {
        if (s.id == "business-hours") {
            business = &s;
        }
    }
    ASSERT_NE(business, nullptr);
    ASSERT_NE(business->calendar, nullptr);
    EXPECT_EQ(business->holidays, policy::HolidayRule::closedOnHolidays);
    EXPECT_TRUE(policy::isWithin(*business, kTue20261201));
    EXPECT_FALSE(policy::isWithin(*business, kWed20261230));
    EXPECT_FALSE(policy::isWithin(*business, kTue20260922));
}

TEST(SiteSchedules, AMissingHolidayFileStopsTheStart) {
    auto file = loadSiteFile((sourceDir / "config/demo-site.toml").string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    file->site.calendar->holidaysFile = "/nonexistent/syukujitsu.csv";
    const auto list = schedules(file->site);
    ASSERT_FALSE(list.ok());
    EXPECT_NE(list.error().message.find("/nonexistent/syukujitsu.csv"), std::string::npos)
        << list.error().message;
}

}  // namespace
}  // namespace sekimori::app
