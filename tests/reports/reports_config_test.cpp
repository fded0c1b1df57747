// [reports] as the reports' own section reads it, and the areas it takes from the zones.
#include "reports/reports_config.hpp"

#include <gtest/gtest.h>

#include "core/site_config.hpp"

namespace sekimori::reports {
namespace {

constexpr std::string_view kSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"

[[zones]]
id = "srv"
name = "Server room"
parent = "site"
kind = "management_area"

[[zones]]
id = "hand"
name = "Handling room"
parent = "srv"
kind = "handling_area"
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    ReportsConfig reports;
};

Loaded load(std::string_view extra) {
    ReportsConfigSection section;
    std::vector<core::ConfigSection*> sections{&section};
    auto site = core::loadSiteConfigFromString(std::string(kSite) + std::string(extra), "t.toml",
                                               sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

TEST(ReportsConfig, DefaultsAndAreas) {
    const auto loaded = load("");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_EQ(loaded.reports.siteName, "Fixture");
    EXPECT_EQ(loaded.reports.suspicion.offHoursStartHour, 20);
    EXPECT_EQ(loaded.reports.suspicion.offHoursEndHour, 7);
    EXPECT_TRUE(loaded.reports.suspicion.weekendsOffHours);
    EXPECT_EQ(loaded.reports.suspicion.repeatedDenials, 3);
    ASSERT_EQ(loaded.reports.managementAreas.size(), 1u);
    EXPECT_EQ(loaded.reports.managementAreas[0].id, "srv");
    ASSERT_EQ(loaded.reports.handlingAreas.size(), 1u);
    EXPECT_EQ(loaded.reports.handlingAreas[0].name, "Handling room");
}

TEST(ReportsConfig, ReadsTheTable) {
    const auto loaded = load(
        "\n[reports]\noff_hours_start_hour = 22\noff_hours_end_hour = 6\noff_hours_weekends = "
        "false\nrepeated_denials = 5\nrepeated_window_s = 300\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& s = loaded.reports.suspicion;
    EXPECT_EQ(s.offHoursStartHour, 22);
    EXPECT_EQ(s.offHoursEndHour, 6);
    EXPECT_FALSE(s.weekendsOffHours);
    EXPECT_EQ(s.repeatedDenials, 5);
    EXPECT_EQ(s.repeatedWindowUs, 300'000'000);
}

TEST(ReportsConfig, ErrorsNameTheKey) {
    const auto loaded = load("\n[reports]\nrepeated_denials = 1\noff_hours = 3\n");
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_NE(loaded.site.error().message.find("reports.repeated_denials: 1 is out of range"),
              std::string::npos)
        << loaded.site.error().message;
    EXPECT_NE(loaded.site.error().message.find("reports.off_hours: unknown key"), std::string::npos)
        << loaded.site.error().message;
}

}  // namespace
}  // namespace sekimori::reports
