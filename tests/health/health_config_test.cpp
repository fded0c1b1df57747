// [health] as health's own section reads it, and the panels it learns from the doors' ids.
#include "health/health_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"

namespace sekimori::health {
namespace {

// The smallest valid site (ends on line 10).
constexpr std::string_view minimalSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"
)";

// Stands in for doors, which declares one id of kind "panel" per panel.
class TwoPanels final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override { return {}; }
    void read(core::TomlTableReader& root, const std::filesystem::path&,
              core::IdRegistry& ids) override {
        ids.declare("panel", "p-srv", "", root.diagnostics());
        ids.declare("panel", "p-front", "", root.diagnostics());
    }
    void check(const core::SiteConfig&, const core::IdRegistry&,
               core::ConfigDiagnostics&) override {}
};

struct Loaded {
    core::Result<core::SiteConfig> site;
    HealthConfig health;
};

Loaded load(std::string_view extra) {
    HealthConfigSection section;
    TwoPanels panels;
    // health reads before the panels are declared: it still sees them, in check().
    std::vector<core::ConfigSection*> sections{&section, &panels};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

TEST(HealthConfig, DefaultsWithoutATable) {
    const auto loaded = load("");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_EQ(loaded.health.panelSilentAfter, std::chrono::seconds(0));
    EXPECT_EQ(loaded.health.brokerStatsLostAfter, std::chrono::seconds(60));
    EXPECT_EQ(loaded.health.rateWindow, std::chrono::seconds(60));
    EXPECT_EQ(loaded.health.panels, (std::vector<std::string>{"p-front", "p-srv"}));
}

TEST(HealthConfig, ReadsTheTable) {
    const auto loaded = load(
        "[health]\npanel_silent_after_s = 600\nbroker_stats_lost_after_s = 0\n"
        "rate_window_s = 30\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_EQ(loaded.health.panelSilentAfter, std::chrono::seconds(600));
    EXPECT_EQ(loaded.health.brokerStatsLostAfter, std::chrono::seconds(0));
    EXPECT_EQ(loaded.health.rateWindow, std::chrono::seconds(30));
}

TEST(HealthConfig, ErrorsNameFileLineAndKey) {
    const auto loaded = load("[health]\nrate_window_s = 5\npanel_silent_after = 60\n");
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_EQ(loaded.site.error().message,
              "t.toml:12:17: health.rate_window_s: 5 is out of range 10..3600\n"
              "t.toml:13:1: health.panel_silent_after: unknown key (did you mean "
              "\"panel_silent_after_s\"?)");
}

}  // namespace
}  // namespace sekimori::health
