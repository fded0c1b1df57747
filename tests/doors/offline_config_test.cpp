// [offline] as its section reads and checks it (docs/config.md).
#include "doors/offline_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"

namespace sekimori::doors {
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
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    OfflineConfig offline;
};

Loaded load(std::string_view extra) {
    OfflineConfigSection section;
    std::vector<core::ConfigSection*> sections{&section};
    auto site = core::loadSiteConfigFromString(std::string(kSite) + std::string(extra), "t.toml",
                                               sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

std::string errorOf(std::string_view extra) {
    const auto loaded = load(extra);
    return loaded.site.ok() ? std::string("(loaded)") : loaded.site.error().message;
}

TEST(OfflineConfig, DefaultsWithoutTheTable) {
    const auto loaded = load("");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_EQ(loaded.offline.staleness, std::chrono::seconds(900));
    EXPECT_EQ(loaded.offline.degraded, protocol::DegradedMode::deny);
    EXPECT_EQ(loaded.offline.journalFull, protocol::JournalFullPolicy::denyOffline);
    EXPECT_EQ(loaded.offline.syncInterval, std::chrono::seconds(30));
    EXPECT_EQ(loaded.offline.behindAlarm, std::chrono::seconds(300));
    EXPECT_EQ(loaded.offline.twoPersonWindow, std::chrono::seconds(30));
}

TEST(OfflineConfig, ReadsEveryKey) {
    const auto loaded = load(R"(
[offline]
staleness_s = 600
degraded = "two_person"
journal_full = "keep_deciding"
sync_interval_s = 20
behind_alarm_s = 120
two_person_window_s = 45
)");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_EQ(loaded.offline.staleness, std::chrono::seconds(600));
    EXPECT_EQ(loaded.offline.degraded, protocol::DegradedMode::twoPerson);
    EXPECT_EQ(loaded.offline.journalFull, protocol::JournalFullPolicy::keepDeciding);
    EXPECT_EQ(loaded.offline.syncInterval, std::chrono::seconds(20));
    EXPECT_EQ(loaded.offline.behindAlarm, std::chrono::seconds(120));
    EXPECT_EQ(loaded.offline.twoPersonWindow, std::chrono::seconds(45));
}

TEST(OfflineConfig, RefusesBadValuesNamingTheKey) {
    EXPECT_NE(errorOf("[offline]\ndegraded = \"open\"\n").find("offline.degraded"),
              std::string::npos);
    EXPECT_NE(errorOf("[offline]\njournal_full = \"overwrite\"\n").find("offline.journal_full"),
              std::string::npos);
    EXPECT_NE(errorOf("[offline]\nstaleness_s = 10\n").find("offline.staleness_s"),
              std::string::npos);
    EXPECT_NE(errorOf("[offline]\nsync_interval_s = 0\n").find("offline.sync_interval_s"),
              std::string::npos);
    EXPECT_NE(errorOf("[offline]\nbehind_alarm_s = 1\n").find("offline.behind_alarm_s"),
              std::string::npos);
    EXPECT_NE(errorOf("[offline]\ntwo_person_window_s = 9999\n").find("two_person_window_s"),
              std::string::npos);
    EXPECT_NE(errorOf("[offline]\nstaleness = 60\n").find("offline.staleness"), std::string::npos);
}

TEST(OfflineConfig, TheSyncIntervalFitsTwiceInTheStalenessBound) {
    const std::string error = errorOf("[offline]\nstaleness_s = 60\nsync_interval_s = 40\n");
    EXPECT_NE(error.find("offline.sync_interval_s"), std::string::npos) << error;
    EXPECT_EQ(errorOf("[offline]\nstaleness_s = 60\nsync_interval_s = 30\n"), "(loaded)");
}

}  // namespace
}  // namespace sekimori::doors
