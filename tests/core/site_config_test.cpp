#include "core/site_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace sekimori::core {
namespace {

const std::filesystem::path sourceDir = SEKIMORI_SOURCE_DIR;
const std::filesystem::path fixtureDir = sourceDir / "tests/core/fixtures/config";

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

// The smallest valid site; tests append to it.
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
id = "bldg"
name = "Building"
parent = "site"
kind = "building"
)";

Result<SiteConfig> loadText(std::string_view extra, const std::filesystem::path& dir = "/srv/x") {
    return loadSiteConfigFromString(std::string(minimalSite) + std::string(extra), "t.toml", dir);
}

// ------------------------------------------------------------------ the demo site

TEST(SiteConfigDemo, LoadsClean) {
    const auto config = loadSiteConfig((sourceDir / "config/demo-site.toml").string());
    ASSERT_TRUE(config.ok()) << config.error().message;

    EXPECT_EQ(config->site.id, "tokyo-dc1");
    EXPECT_EQ(config->site.utcOffsetMinutes, 540);
    EXPECT_GE(config->doors.size(), 6U);
    EXPECT_EQ(config->circleGates.size(), 1U);
    EXPECT_EQ(config->cameras.size(), 8U);
    EXPECT_EQ(config->cracUnits.size(), 4U);
    EXPECT_EQ(config->hubTimers.size(), 3U);
    EXPECT_NE(findSchedule(*config, "business-hours"), nullptr);
    EXPECT_NE(findSchedule(*config, "24x7"), nullptr);

    std::set<std::string> threeFactorTargets;
    for (const auto& door : config->doors) {
        EXPECT_EQ(door.panel.rfind("p-", 0), 0U) << door.panel;
        if (door.entryFactors == std::vector{Factor::card, Factor::pin, Factor::finger}) {
            threeFactorTargets.insert(door.toZone);
        }
    }
    EXPECT_EQ(threeFactorTargets, (std::set<std::string>{"server-room", "handling-area"}));
    for (const auto& camera : config->cameras) {
        EXPECT_EQ(camera.url.rfind("rtsp://127.0.0.1:8554/cam-", 0), 0U) << camera.url;
    }

    ASSERT_TRUE(config->power.has_value());
    EXPECT_EQ(config->power->feeds.size(), 2U);
    EXPECT_TRUE(config->power->ats.has_value());
    ASSERT_TRUE(config->power->generator.has_value());
    const auto& generator = *config->power->generator;
    EXPECT_GE((generator.dayTankLitres + generator.bulkTankLitres) /
                  generator.burnLitresPerHourAtSiteLoad,
              72.0);
    ASSERT_EQ(config->power->ups.size(), 2U);
    EXPECT_EQ(config->power->ups[0].nutUps, "ups1");
    EXPECT_EQ(config->power->ups[0].nutHost, "127.0.0.1");
    EXPECT_EQ(config->power->ups[0].nutPort, 3493);
}

TEST(SiteConfigDemo, DaemonPathsResolveAgainstTheRepositoryRoot) {
    const auto config = loadSiteConfig((sourceDir / "config/demo-site.toml").string());
    ASSERT_TRUE(config.ok()) << config.error().message;
    const auto root = sourceDir.lexically_normal();
    const auto& d = config->daemon;
    EXPECT_EQ(d.baseDir, root);
    EXPECT_EQ(d.dataDir, root / "var/data");
    EXPECT_EQ(d.keyDir, root / "var/keys");
    EXPECT_EQ(d.consoleCert, root / "var/tls/console-cert.pem");
    EXPECT_EQ(d.consoleKey, root / "var/tls/console-key.pem");
    EXPECT_EQ(d.consoleWebRoot, root / "console/web");
    EXPECT_EQ(d.mqttUri, "tcp://127.0.0.1:18830");
    EXPECT_EQ(d.consoleHost, "127.0.0.1");
    EXPECT_EQ(d.consolePort, 8443);
    EXPECT_EQ(d.logLevel, LogLevel::info);
}

// ------------------------------------------------------------------ broken fixtures

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
    {"bad_id", "config.invalid", "13:6", "zones[1].id", "invalid id \"Bldg A\""},
    {"unknown_zone", "config.invalid", "29:11", "doors[0].to_zone", "unknown zone \"srv-room\""},
    {"shared_panel", "config.invalid", "35:9", "doors[1].panel",
     "panel \"p-front\" already serves doors[0]"},
    {"duplicate_id", "config.invalid", "33:6", "doors[1].id",
     "duplicate door or gate id \"front\" (first used by doors[0])"},
    {"zone_cycle", "config.invalid", "21:10", "zones[2].parent",
     "zone cycle: handling -> annex -> handling"},
    {"zone_nesting", "config.invalid", "27:10", "zones[3].parent",
     "a floor cannot sit inside handling_area \"handling\""},
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
    {"bad_window", "config.invalid", "27:60", "schedules[0].windows[0].end",
     "\"25:00\" is not a time HH:MM"},
    {"syntax_error", "config.syntax", "26:19", "", "unescaped control characters"},
};

class BrokenFixtureTest : public ::testing::TestWithParam<BrokenFixture> {};

TEST_P(BrokenFixtureTest, FailsWithFileLineAndKeyPath) {
    const BrokenFixture& fixture = GetParam();
    const std::string path = (fixtureDir / (std::string(fixture.file) + ".toml")).string();
    const auto config = loadSiteConfig(path);
    ASSERT_FALSE(config.ok()) << fixture.file << " loaded although it is broken";
    EXPECT_EQ(config.error().code, fixture.code);

    const auto problems = lines(config.error().message);
    ASSERT_EQ(problems.size(), 1U) << config.error().message;
    std::string prefix = path + ":" + fixture.location + ": ";
    if (*fixture.keyPath != '\0') {
        prefix += std::string(fixture.keyPath) + ": ";
    }
    EXPECT_EQ(problems[0].rfind(prefix, 0), 0U)
        << "want prefix " << prefix << "\ngot " << problems[0];
    EXPECT_NE(problems[0].find(fixture.says), std::string::npos) << problems[0];
}

INSTANTIATE_TEST_SUITE_P(SiteConfig, BrokenFixtureTest, ::testing::ValuesIn(brokenFixtures),
                         [](const auto& param) { return std::string(param.param.file); });

TEST(SiteConfigFixtures, EveryFixtureIsInTheTable) {
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

TEST(SiteConfigFixtures, CollectsEveryMistakeInFileOrder) {
    const auto config = loadSiteConfig((fixtureDir / "many_mistakes.toml").string());
    ASSERT_FALSE(config.ok());
    const auto problems = lines(config.error().message);
    const std::vector<std::string> expected = {
        ":28:13: doors[0].from_zone: unknown zone \"lobby\"",
        ":30:17: doors[0].entry_factors: entry into handling_area \"handling\"",
        ":31:1: doors[0].colour: unknown key",
        ":36:7: cameras[0].url: \"http://127.0.0.1/cam-front\" is not an rtsp:// URL",
        ":38:18: cameras[0].retention_days: 7 is out of range",
    };
    ASSERT_EQ(problems.size(), expected.size()) << config.error().message;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_NE(problems[i].find("many_mistakes.toml" + expected[i]), std::string::npos)
            << problems[i];
    }
}

TEST(SiteConfigFile, UnreadableFileIsReported) {
    const auto config = loadSiteConfig((fixtureDir / "no-such-file.toml").string());
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, "config.unreadable");
    EXPECT_NE(config.error().message.find("no-such-file.toml"), std::string::npos);
}

// ------------------------------------------------------------------ single rules

struct TextCase {
    const char* name;
    const char* extra;  // appended to minimalSite (which ends on line 16)
    const char* expected;
};

const TextCase textCases[] = {
    {"UnknownTopLevelTable", "[sites]\nid = \"x\"\n",
     "t.toml:17:2: sites: unknown key (did you mean \"site\"?)"},
    {"NotAnArrayOfTables", "[power]\nfeeds = [1]\n",
     "t.toml:18:10: power.feeds[0]: expected table, found integer"},
    {"NanWeight",
     "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-g\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = nan\n",
     "t.toml:24:17: circle_gates[0].max_weight_kg: nan is out of range 30..300"},
    {"TwoOccupantGate",
     "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-g\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = 120\nmax_occupants = 2\n",
     "t.toml:25:17: circle_gates[0].max_occupants: 2 is out of range 1..1"},
    {"GateSharesPanelWithDoor",
     "[[doors]]\nid = \"d\"\nname = \"D\"\npanel = \"p-x\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\n"
     "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-x\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = 120\n",
     "t.toml:27:9: circle_gates[0].panel: panel \"p-x\" already serves doors[0]"},
    {"SecondSiteRoot", "[[zones]]\nid = \"other\"\nname = \"O\"\nkind = \"site\"\n",
     "t.toml:20:8: zones[2].kind: a second zone of kind \"site\""},
    {"ZoneWithoutParent", "[[zones]]\nid = \"f1\"\nname = \"F\"\nkind = \"floor\"\n",
     "t.toml:17:1: zones[2]: missing key parent; only the site root may omit it"},
    {"ZoneIdCollidesWithDoorId",
     "[[doors]]\nid = \"bldg\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\n",
     "t.toml:18:6: doors[0].id: duplicate door or gate id \"bldg\" (first used by zones[1])"},
    {"DoorIntoItsOwnZone",
     "[[doors]]\nid = \"d\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"bldg\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\n",
     "t.toml:22:11: doors[0].to_zone: a portal must join two different zones"},
    {"EmptyEntryFactors",
     "[[doors]]\nid = \"d\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = []\n",
     "t.toml:23:17: doors[0].entry_factors: must name at least one factor"},
    {"UnknownFactor",
     "[[doors]]\nid = \"d\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\", \"face\"]\n",
     "t.toml:23:26: doors[0].entry_factors[1]: unknown factor \"face\""},
    {"BadConsoleListen", "[daemon]\nconsole_listen = \"8443\"\n",
     "t.toml:18:18: daemon.console_listen: \"8443\" is not host:port"},
    {"BadMqttUri", "[daemon]\nmqtt_uri = \"127.0.0.1:1883\"\n",
     "t.toml:18:12: daemon.mqtt_uri: \"127.0.0.1:1883\" is not tcp://host:port"},
    {"BadLogLevel", "[daemon]\nlog_level = \"verbose\"\n",
     "t.toml:18:13: daemon.log_level: unknown value \"verbose\"; expected one of debug, info, "
     "warning, error"},
    {"EmptyWindow", "[[schedules]]\nid = \"s\"\nname = \"S\"\nwindows = []\n",
     "t.toml:20:11: schedules[0].windows: a schedule needs at least one window"},
    {"BackwardsWindow",
     "[[schedules]]\nid = \"s\"\nname = \"S\"\n"
     "windows = [{ days = [\"mon\"], start = \"22:00\", end = \"06:00\" }]\n",
     "t.toml:20:53: schedules[0].windows[0].end: \"06:00\" is not after start \"22:00\""},
    {"DayTwice",
     "[[schedules]]\nid = \"s\"\nname = \"S\"\n"
     "windows = [{ days = [\"mon\", \"mon\"], start = \"08:00\", end = \"09:00\" }]\n",
     "t.toml:20:29: schedules[0].windows[0].days[1]: day \"mon\" listed twice"},
    {"ModbusTimeoutNotBelowPoll",
     "[[modbus_devices]]\nid = \"m\"\nhost = \"h\"\nprofile = \"meter\"\npoll_ms = 500\n"
     "timeout_ms = 500\n",
     "t.toml:22:14: modbus_devices[0].timeout_ms: must be shorter than poll_ms (500)"},
    {"SameModbusAddress",
     "[[modbus_devices]]\nid = \"m1\"\nhost = \"h\"\nprofile = \"meter\"\n"
     "[[modbus_devices]]\nid = \"m2\"\nhost = \"h\"\nprofile = \"ats\"\n",
     "t.toml:21:1: modbus_devices[1].unit_id: same host, port and unit_id as modbus_devices[0]"},
    {"BadNutAddress",
     "[power]\nfeeds = []\n[[power.ups]]\nid = \"u\"\nname = \"U\"\nnut = \"127.0.0.1:3493\"\n",
     "t.toml:18:9: power.feeds: a site needs at least one utility feed\n"
     "t.toml:22:7: power.ups[0].nut: \"127.0.0.1:3493\" is not upsname@host[:port]"},
    {"LeakSensorWithThreshold",
     "[[modbus_devices]]\nid = \"io\"\nhost = \"h\"\nprofile = \"sensor\"\n"
     "[[sensors]]\nid = \"l\"\nname = \"L\"\nzone = \"bldg\"\ndevice = \"io\"\nkind = \"leak\"\n"
     "max = 1.0\n",
     "t.toml:27:7: sensors[0].max: a leak sensor has no thresholds"},
    {"TwoTimersOneCoil",
     "[[modbus_devices]]\nid = \"r\"\nhost = \"h\"\nprofile = \"relay\"\n"
     "[[schedules]]\nid = \"s\"\nname = \"S\"\n"
     "windows = [{ days = [\"mon\"], start = \"08:00\", end = \"09:00\" }]\n"
     "[[hub_timers]]\nid = \"h1\"\nname = \"H\"\nrelay = { device = \"r\", coil = 3 }\n"
     "schedule = \"s\"\n"
     "[[hub_timers]]\nid = \"h2\"\nname = \"H\"\nrelay = { device = \"r\", coil = 3 }\n"
     "schedule = \"s\"\n",
     "t.toml:33:32: hub_timers[1].relay.coil: coil 3 of \"r\" already switches hub_timers[0]"},
};

class TextCaseTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(TextCaseTest, ReportsExactly) {
    const auto config = loadText(GetParam().extra);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, "config.invalid");
    EXPECT_EQ(config.error().message.substr(0, std::string_view(GetParam().expected).size()),
              GetParam().expected)
        << config.error().message;
    EXPECT_EQ(lines(config.error().message).size(), lines(GetParam().expected).size())
        << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(SiteConfig, TextCaseTest, ::testing::ValuesIn(textCases),
                         [](const auto& param) { return std::string(param.param.name); });

TEST(SiteConfigText, MinimalSiteTakesDefaults) {
    const auto config = loadText("");
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->daemon.dataDir, "/srv/x/var/data");
    EXPECT_EQ(config->daemon.mqttUri, "tcp://127.0.0.1:1883");
    EXPECT_EQ(config->daemon.mqttUser, "sekimorid");
    EXPECT_EQ(config->daemon.mqttPasswordFile, "/srv/x/var/secrets/mqtt/sekimorid.password");
    EXPECT_EQ(config->daemon.consolePort, 8443);
    EXPECT_FALSE(config->power.has_value());
    EXPECT_EQ(config->sourceName, "t.toml");
}

TEST(SiteConfigText, PathsResolveAgainstBaseDirAndKeepAbsolutes) {
    const auto config = loadText(
        "[daemon]\nbase_dir = \"../run\"\ndata_dir = \"db\"\nkey_dir = \"/etc/sekimori/keys\"\n",
        "/srv/site/config");
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->daemon.baseDir, "/srv/site/run");
    EXPECT_EQ(config->daemon.dataDir, "/srv/site/run/db");
    EXPECT_EQ(config->daemon.keyDir, "/etc/sekimori/keys");
}

TEST(SiteConfigText, ScheduleWindowsInMinutes) {
    const auto config = loadText(
        "[[schedules]]\nid = \"s\"\nname = \"S\"\n"
        "windows = [{ days = [\"sat\", \"sun\"], start = \"09:30\", end = \"24:00\" }]\n");
    ASSERT_TRUE(config.ok()) << config.error().message;
    const auto& window = config->schedules.at(0).windows.at(0);
    EXPECT_EQ(window.days, (std::vector{Weekday::sat, Weekday::sun}));
    EXPECT_EQ(window.startMinute, 9 * 60 + 30);
    EXPECT_EQ(window.endMinute, 1440);
}

TEST(SiteConfigText, IdSyntax) {
    EXPECT_TRUE(isValidConfigId("p-server_room-2"));
    EXPECT_TRUE(isValidConfigId(std::string(64, 'a')));
    EXPECT_FALSE(isValidConfigId(std::string(65, 'a')));
    EXPECT_FALSE(isValidConfigId(""));
    EXPECT_FALSE(isValidConfigId("Server"));
    EXPECT_FALSE(isValidConfigId("srv room"));
    EXPECT_FALSE(isValidConfigId("srv.room"));
}

TEST(SiteConfigText, NeverThrowsOnGarbage) {
    for (std::string_view text : {"", "\xff\xfe", "[[zones]]\n[[zones]]\n", "site = 1",
                                  "zones = \"x\"", "[site]\nid = 1\nname = []\n"}) {
        const auto config = loadSiteConfigFromString(text, "g.toml");
        EXPECT_FALSE(config.ok()) << text;
    }
}

}  // namespace
}  // namespace sekimori::core
