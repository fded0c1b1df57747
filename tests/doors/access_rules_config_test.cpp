// [[groups]], [[access_levels]], [[zone_rules]] and [lockdown] as the access rules' section
// reads and checks them.
#include "doors/access_rules_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view minimalSite = R"(
[site]
id = "fx"
name = "Fixture"
utc_offset_minutes = 540

[[zones]]
id = "site"
name = "Site"
kind = "site"

[[zones]]
id = "handling"
name = "Handling area"
parent = "site"
kind = "handling_area"

[[schedules]]
id = "office"
name = "Office hours"
windows = [ { days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", end = "19:00" } ]
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    AccessRulesConfig rules;
};

Loaded load(std::string_view extra) {
    AccessRulesConfigSection section;
    std::vector<core::ConfigSection*> sections{&section};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

std::string errorOf(std::string_view extra) {
    const auto loaded = load(extra);
    return loaded.site.ok() ? std::string("(loaded)") : loaded.site.error().message;
}

constexpr std::string_view kFull = R"(
[[groups]]
id = "staff"
name = "Staff"

[[groups]]
id = "security"
name = "Security"

[[access_levels]]
id = "handling-office"
name = "Handling area, office hours"
zones = [ { zone = "handling", schedule = "office" }, { zone = "site", schedule = "office" } ]

[[zone_rules]]
zone = "handling"
anti_passback = "timed"
passback_timeout_s = 600
occupancy_limit = 6
two_person = true
companion_window_s = 20
never_alone = true
alone_grace_s = 2
escort_hosts = ["staff"]

[lockdown]
exempt_groups = ["security"]
)";

TEST(AccessRulesConfig, ReadsEveryKey) {
    const auto loaded = load(kFull);
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const AccessRulesConfig& c = loaded.rules;
    ASSERT_EQ(c.groups.size(), 2U);
    EXPECT_EQ(c.groups[1].id, "security");
    EXPECT_EQ(c.groups[1].name, "Security");
    ASSERT_EQ(c.levels.count("handling-office"), 1U);
    const AccessLevel& level = c.levels.at("handling-office");
    EXPECT_EQ(level.name, "Handling area, office hours");
    ASSERT_EQ(level.zones.size(), 2U);
    EXPECT_EQ(level.zones[0].zone, "handling");
    EXPECT_EQ(level.zones[0].schedule, "office");
    const ZoneRules* r = c.rulesFor("handling");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->antiPassback, AntiPassback::timed);
    EXPECT_EQ(r->passbackTimeout, std::chrono::seconds(600));
    EXPECT_EQ(r->occupancyLimit, 6);
    EXPECT_TRUE(r->twoPerson);
    EXPECT_EQ(r->companionWindow, std::chrono::seconds(20));
    EXPECT_TRUE(r->neverAlone);
    EXPECT_EQ(r->aloneGrace, std::chrono::seconds(2));
    EXPECT_EQ(r->escortHosts, std::vector<std::string>{"staff"});
    EXPECT_EQ(c.rulesFor("site"), nullptr);
    EXPECT_EQ(c.lockdownExemptGroups, std::vector<std::string>{"security"});
}

TEST(AccessRulesConfig, AbsentIsEmptyAndDefaultsHold) {
    const auto none = load("");
    ASSERT_TRUE(none.site.ok()) << none.site.error().message;
    EXPECT_TRUE(none.rules.groups.empty());
    EXPECT_TRUE(none.rules.levels.empty());
    EXPECT_TRUE(none.rules.zoneRules.empty());

    const auto loaded = load("[[zone_rules]]\nzone = \"handling\"\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const ZoneRules* r = loaded.rules.rulesFor("handling");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->antiPassback, AntiPassback::off);
    EXPECT_FALSE(r->twoPerson);
    EXPECT_EQ(r->companionWindow, std::chrono::seconds(15));
    EXPECT_EQ(r->aloneGrace, std::chrono::seconds(3));
    EXPECT_EQ(r->occupancyLimit, 0);
}

TEST(AccessRulesConfig, EachMistakeIsNamedWhereItIs) {
    struct Row {
        std::string toml;
        std::string expected;
    };
    const std::vector<Row> rows{
        {"[[access_levels]]\nid = \"l\"\nname = \"L\"\nzones = [ { zone = \"lab\", schedule = "
         "\"office\" } ]\n",
         "access_levels[0].zones[0].zone: unknown zone \"lab\""},
        {"[[access_levels]]\nid = \"l\"\nname = \"L\"\nzones = [ { zone = \"handling\", schedule "
         "= \"ofice\" } ]\n",
         "did you mean \"office\"?"},
        {"[[access_levels]]\nid = \"l\"\nname = \"L\"\n", "access_levels[0].zones"},
        {"[[zone_rules]]\nzone = \"lab\"\n", "zone_rules[0].zone: unknown zone \"lab\""},
        {"[[zone_rules]]\nzone = \"handling\"\n[[zone_rules]]\nzone = \"handling\"\n",
         "zone_rules[1].zone: zone \"handling\" already has its rules in zone_rules[0]"},
        {"[[zone_rules]]\nzone = \"handling\"\nanti_passback = \"strict\"\n",
         "zone_rules[0].anti_passback: unknown value \"strict\"; expected one of off, soft, hard, "
         "timed"},
        {"[[zone_rules]]\nzone = \"handling\"\nanti_passback = \"timed\"\n",
         "zone_rules[0].passback_timeout_s: anti_passback = \"timed\" needs passback_timeout_s"},
        {"[[zone_rules]]\nzone = \"handling\"\nanti_passback = \"hard\"\npassback_timeout_s = 5\n",
         "only used with anti_passback = \"timed\""},
        {"[[zone_rules]]\nzone = \"handling\"\nnever_alone = true\n",
         "zone_rules[0].never_alone: never_alone needs two_person = true"},
        {"[[zone_rules]]\nzone = \"handling\"\nescort_hosts = [\"stafff\"]\n",
         "zone_rules[0].escort_hosts[0]: unknown group \"stafff\""},
        {"[[zone_rules]]\nzone = \"handling\"\ncompanion_window_s = 0\n",
         "zone_rules[0].companion_window_s"},
        {"[[zone_rules]]\nzone = \"handling\"\ntwo_persons = true\n",
         "zone_rules[0].two_persons: unknown key"},
        {"[lockdown]\nexempt_groups = [\"guards\"]\n",
         "lockdown.exempt_groups[0]: unknown group \"guards\""},
        {"[lockdown]\nexempt = []\n", "lockdown.exempt: unknown key"},
        {"[[groups]]\nid = \"g\"\nname = \"G\"\n[[groups]]\nid = \"g\"\nname = \"G2\"\n",
         "groups[1].id"},
    };
    for (const auto& row : rows) {
        const std::string error = errorOf(row.toml);
        EXPECT_NE(error.find(row.expected), std::string::npos)
            << row.toml << "\nexpected: " << row.expected << "\ngot: " << error;
    }
}

TEST(AccessRulesConfig, ARackWithoutPresenceInNeedsItsRoomAndAnExplicitRoomStands) {
    AccessRulesConfig rules;
    rules.zoneRules["rack-v1"] = ZoneRules{.zone = "rack-v1"};
    rules.zoneRules["rack-v1"].presenceIn = "cage";  // said in the file: kept
    rules.zoneRules["rack-v1"].othersPresent = 1;
    const AccessRulesConfig out =
        withRackPresence(rules, {{"rack-a1", "server-room"}, {"rack-v1", "server-room"}});
    ASSERT_NE(out.rulesFor("rack-a1"), nullptr);  // a rack with no rules row gets one
    EXPECT_EQ(out.rulesFor("rack-a1")->presenceIn, "server-room");
    EXPECT_EQ(out.rulesFor("rack-a1")->zone, "rack-a1");
    EXPECT_EQ(out.rulesFor("rack-v1")->presenceIn, "cage");
    EXPECT_EQ(out.rulesFor("rack-v1")->othersPresent, 1);
    EXPECT_EQ(out.rulesFor("server-room"), nullptr);
}

}  // namespace
}  // namespace sekimori::doors
