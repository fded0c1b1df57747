// The whole site file with every domain's section, as sekimorid and `sekimori config` load it:
// the demo site loads clean, and each broken fixture (tests/app/fixtures/site_file) fails with
// file:line:column, the key path and what is wrong, whichever section found it.
#include "app/site_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/domains.hpp"
#include "cameras/camera_config.hpp"
#include "doors/door_config.hpp"
#include "health/health_config.hpp"
#include "hvac/hvac_config.hpp"
#include "power/power_config.hpp"
#include "reports/reports_config.hpp"

namespace sekimori::app {
namespace {

const std::filesystem::path sourceDir = SEKIMORI_SOURCE_DIR;
const std::filesystem::path fixtureDir = sourceDir / "tests/app/fixtures/site_file";

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

TEST(SiteFileDemo, LoadsCleanWithEverySection) {
    const auto file = loadSiteFile((sourceDir / "config/demo-site.toml").string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(file->site.site.id, "tokyo-dc1");
    EXPECT_EQ(file->site.site.utcOffsetMinutes, 540);

    const auto& doors = file->section<doors::DoorConfigSection>()->config();
    EXPECT_GE(doors.doors.size(), 6U);
    EXPECT_EQ(doors.circleGates.size(), 1U);
    std::set<std::string> threeFactorTargets;
    for (const auto& door : doors.doors) {
        EXPECT_EQ(door.panel.rfind("p-", 0), 0U) << door.panel;
        if (door.entryFactors ==
            std::vector{protocol::Factor::card, protocol::Factor::pin, protocol::Factor::finger}) {
            threeFactorTargets.insert(door.toZone);
        }
    }
    // The vault racks (handling areas) take all three at the rack handle too.
    EXPECT_EQ(threeFactorTargets,
              (std::set<std::string>{"server-room", "handling-area", "rack-v1", "rack-v2"}));

    const auto& cameras = file->section<cameras::CameraConfigSection>()->config();
    EXPECT_EQ(cameras.cameras.size(), 8U);
    for (const auto& camera : cameras.cameras) {
        EXPECT_EQ(camera.url.rfind("rtsp://127.0.0.1:8554/cam-", 0), 0U) << camera.url;
    }

    const auto& power = file->section<power::PowerConfigSection>()->config();
    ASSERT_TRUE(power.plant.has_value());
    EXPECT_EQ(power.plant->feeds.size(), 2U);
    EXPECT_TRUE(power.plant->ats.has_value());
    ASSERT_TRUE(power.plant->generator.has_value());
    EXPECT_GE(power::fuelEnduranceHours(*power.plant->generator), power::kRequiredEnduranceHours);
    ASSERT_EQ(power.plant->ups.size(), 2U);
    EXPECT_EQ(power.plant->ups[0].nutUps, "ups1");
    EXPECT_EQ(power.plant->ups[0].nutHost, "127.0.0.1");
    EXPECT_EQ(power.plant->ups[0].nutPort, 3493);
    EXPECT_EQ(power.hubTimers.size(), 3U);

    EXPECT_EQ(file->section<hvac::HvacConfigSection>()->config().cracUnits.size(), 4U);
    EXPECT_FALSE(file->modbusDevices->config().devices.empty());

    // health watches every panel doors declares, without a list of its own.
    const auto& health = file->section<health::HealthConfigSection>()->config();
    std::set<std::string> panels;
    for (const auto& d : doors.doors) {
        panels.insert(d.panel);
    }
    for (const auto& g : doors.circleGates) {
        panels.insert(g.panel);
    }
    EXPECT_EQ(std::set<std::string>(health.panels.begin(), health.panels.end()), panels);
    EXPECT_EQ(health.panelSilentAfter, std::chrono::seconds(3600));

    // reports finds the site's management and handling areas for the compliance summary.
    const auto& reports = file->section<reports::ReportsConfigSection>()->config();
    EXPECT_FALSE(reports.managementAreas.empty());
    EXPECT_FALSE(reports.handlingAreas.empty());
    EXPECT_EQ(reports.suspicion.offHoursStartHour, 20);
    EXPECT_EQ(reports.suspicion.repeatedDenials, 3);
}

TEST(SiteFileDemo, DaemonPathsResolveAgainstTheRepositoryRoot) {
    const auto file = loadSiteFile((sourceDir / "config/demo-site.toml").string());
    ASSERT_TRUE(file.ok()) << file.error().message;
    const auto root = sourceDir.lexically_normal();
    const auto& d = file->site.daemon;
    EXPECT_EQ(d.baseDir, root);
    EXPECT_EQ(d.dataDir, root / "var/data");
    EXPECT_EQ(d.keyDir, root / "var/keys");
    EXPECT_EQ(d.consoleCert, root / "var/tls/console-cert.pem");
    EXPECT_EQ(d.consoleKey, root / "var/tls/console-key.pem");
    EXPECT_EQ(d.consoleWebRoot, root / "console/web");
    EXPECT_EQ(d.mqttUri, "tcp://127.0.0.1:18830");
    EXPECT_EQ(d.consoleHost, "127.0.0.1");
    EXPECT_EQ(d.consolePort, 8443);
}

TEST(SiteFileDomains, EveryDomainHasASectionAndANameOnce) {
    const auto domains = siteDomains();
    std::set<std::string> names;
    for (const auto& domain : domains) {
        EXPECT_NE(domain.section, nullptr) << domain.name;
        EXPECT_TRUE(names.insert(domain.name).second) << domain.name << " listed twice";
    }
    EXPECT_TRUE(names.count("doors") == 1 && names.count("health") == 1);
}

struct BrokenFixture {
    const char* file;
    const char* code;
    const char* location;  // line:column of the mistake
    const char* keyPath;   // empty for syntax errors
    const char* says;      // a fragment of the message
};

const BrokenFixture brokenFixtures[] = {
    {"unknown_key", "config.invalid", "30:1", "doors[0].unlock_msec",
     "unknown key (did you mean \"unlock_ms\"?)"},
    {"wrong_type", "config.invalid", "30:13", "doors[0].unlock_ms",
     "expected integer, found string"},
    {"missing_required", "config.invalid", "24:1", "doors[0].panel", "missing required key"},
    {"out_of_range", "config.invalid", "30:20", "doors[0].finger_threshold",
     "150 is out of range 0..100"},
    {"unknown_zone", "config.invalid", "29:11", "doors[0].to_zone", "unknown zone \"srv-room\""},
    {"shared_panel", "config.invalid", "35:9", "doors[1].panel",
     "panel \"p-front\" already serves doors[0]"},
    {"duplicate_id", "config.invalid", "33:6", "doors[1].id",
     "duplicate door or gate id \"front\" (first used by doors[0])"},
    {"three_factors", "config.invalid", "30:17", "doors[0].entry_factors",
     "must require all three factors"},
    {"factor_order", "config.invalid", "30:18", "doors[0].entry_factors[0]",
     "the first factor must be \"card\""},
    {"short_retention", "config.invalid", "37:18", "cameras[0].retention_days",
     "30 is out of range 90..3650"},
    {"camera_unknown_cover", "config.invalid", "36:20", "cameras[0].covers[1]",
     "unknown door, gate or zone \"back-door\""},
    {"fuel_endurance", "config.invalid", "39:1", "power.generator",
     "fuel lasts 48.0 h at site load"},
    {"wrong_profile", "config.invalid", "37:52", "power.feeds[0].meter",
     "modbus device \"gen-1\" has profile \"generator\"; expected meter"},
    {"unknown_schedule", "config.invalid", "38:12", "hub_timers[0].schedule",
     "unknown schedule \"office-hours\""},
    {"syntax_error", "config.syntax", "26:19", "", "unescaped control characters"},
};

class BrokenFixtureTest : public ::testing::TestWithParam<BrokenFixture> {};

TEST_P(BrokenFixtureTest, FailsWithFileLineAndKeyPath) {
    const BrokenFixture& fixture = GetParam();
    const std::string path = (fixtureDir / (std::string(fixture.file) + ".toml")).string();
    const auto file = loadSiteFile(path);
    ASSERT_FALSE(file.ok()) << fixture.file << " loaded although it is broken";
    EXPECT_EQ(file.error().code, fixture.code);

    const auto problems = lines(file.error().message);
    ASSERT_EQ(problems.size(), 1U) << file.error().message;
    std::string prefix = path + ":" + fixture.location + ": ";
    if (*fixture.keyPath != '\0') {
        prefix += std::string(fixture.keyPath) + ": ";
    }
    EXPECT_EQ(problems[0].rfind(prefix, 0), 0U)
        << "want prefix " << prefix << "\ngot " << problems[0];
    EXPECT_NE(problems[0].find(fixture.says), std::string::npos) << problems[0];
}

INSTANTIATE_TEST_SUITE_P(SiteFile, BrokenFixtureTest, ::testing::ValuesIn(brokenFixtures),
                         [](const auto& param) { return std::string(param.param.file); });

TEST(SiteFileFixtures, EveryFixtureIsInTheTable) {
    for (const auto& entry : std::filesystem::directory_iterator(fixtureDir)) {
        const std::string stem = entry.path().stem().string();
        if (stem == "many_mistakes") {
            continue;  // has its own test below
        }
        const bool listed = std::any_of(std::begin(brokenFixtures), std::end(brokenFixtures),
                                        [&](const BrokenFixture& f) { return stem == f.file; });
        EXPECT_TRUE(listed) << stem << ".toml has no row in brokenFixtures";
    }
}

TEST(SiteFileFixtures, CollectsEveryMistakeOfEverySectionInFileOrder) {
    const auto file = loadSiteFile((fixtureDir / "many_mistakes.toml").string());
    ASSERT_FALSE(file.ok());
    const auto problems = lines(file.error().message);
    const std::vector<std::string> expected = {
        ":28:13: doors[0].from_zone: unknown zone \"lobby\"",
        ":30:17: doors[0].entry_factors: entry into handling_area \"handling\"",
        ":31:1: doors[0].colour: unknown key",
        ":36:7: cameras[0].url: \"http://127.0.0.1/cam-front\" is not an rtsp:// URL",
        ":38:18: cameras[0].retention_days: 7 is out of range",
    };
    ASSERT_EQ(problems.size(), expected.size()) << file.error().message;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_NE(problems[i].find("many_mistakes.toml" + expected[i]), std::string::npos)
            << problems[i];
    }
}

TEST(SiteFileText, AKeyNoDomainClaimsIsUnknown) {
    const auto file = loadSiteFileFromString(
        "[site]\nid = \"fx\"\nname = \"F\"\nutc_offset_minutes = 0\n"
        "[[zones]]\nid = \"site\"\nname = \"S\"\nkind = \"site\"\n[[camera]]\nid = \"c\"\n",
        "t.toml", "/srv/x");
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().message, "t.toml:9:3: camera: unknown key (did you mean \"cameras\"?)");
}

}  // namespace
}  // namespace sekimori::app
