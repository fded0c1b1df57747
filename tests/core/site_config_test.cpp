// core's part of the site file ([site], [daemon], [[zones]], [[schedules]]) and the section
// protocol every domain uses (claimed keys, two passes, the IdRegistry). The domains' own keys
// are tested in tests/<domain>/*_config_test.cpp; the whole demo site with every section in
// tests/app/site_file_test.cpp.
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
    return loadSiteConfigFromString(std::string(minimalSite) + std::string(extra), "t.toml", {},
                                    dir);
}

// A stand-in domain: [[widgets]] with an id and a zone, and an optional reference to a
// "gadget" that a second section declares (so references can point either way).
class WidgetSection final : public ConfigSection {
  public:
    std::vector<std::string_view> keys() const override { return {"widgets"}; }
    void read(TomlTableReader& root, const std::filesystem::path&, IdRegistry& ids) override {
        root.forEachTable("widgets", Presence::optional, [&](TomlTableReader& r, std::size_t) {
            auto& w = widgets.emplace_back();
            w.id = r.id("id", Presence::required).value_or("");
            w.zone = r.id("zone", Presence::required).value_or("");
            w.gadget = r.id("gadget", Presence::optional).value_or("");
            ids.declare("widget", w.id, r.keyPath("id"), r.diagnostics());
        });
    }
    void check(const SiteConfig&, const IdRegistry& ids, ConfigDiagnostics& diag) override {
        for (std::size_t i = 0; i < widgets.size(); ++i) {
            const std::string here = "widgets[" + std::to_string(i) + "]";
            ids.require("zone", widgets[i].zone, here + ".zone", diag);
            if (!widgets[i].gadget.empty()) {
                ids.require("gadget", widgets[i].gadget, here + ".gadget", diag);
            }
        }
    }
    struct Widget {
        std::string id, zone, gadget;
    };
    std::vector<Widget> widgets;
};

// Declares gadgets after widgets were read: widgets[].gadget still resolves (two passes).
class GadgetSection final : public ConfigSection {
  public:
    explicit GadgetSection(std::vector<std::string_view> claimed = {"gadgets"})
        : keys_(std::move(claimed)) {}
    std::vector<std::string_view> keys() const override { return keys_; }
    void read(TomlTableReader& root, const std::filesystem::path&, IdRegistry& ids) override {
        const toml::table* table = root.table("gadgets", Presence::optional);
        if (table == nullptr) {
            return;
        }
        TomlTableReader r(*table, "gadgets", root.diagnostics());
        if (auto list = r.stringArray("ids", Presence::optional)) {
            for (std::size_t i = 0; i < list->size(); ++i) {
                ids.declare("gadget", (*list)[i], "gadgets.ids[" + std::to_string(i) + "]",
                            root.diagnostics());
            }
        }
        r.finish();
    }
    void check(const SiteConfig&, const IdRegistry&, ConfigDiagnostics&) override {}

  private:
    std::vector<std::string_view> keys_;
};

Result<SiteConfig> loadWithSections(std::string_view extra, std::vector<ConfigSection*> sections) {
    return loadSiteConfigFromString(std::string(minimalSite) + std::string(extra), "t.toml",
                                    sections, "/srv/x");
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
    {"bad_id", "config.invalid", "13:6", "zones[1].id", "invalid id \"Bldg A\""},
    {"zone_cycle", "config.invalid", "21:10", "zones[2].parent",
     "zone cycle: handling -> annex -> handling"},
    {"zone_nesting", "config.invalid", "27:10", "zones[3].parent",
     "a floor cannot sit inside handling_area \"handling\""},
    {"bad_window", "config.invalid", "27:60", "schedules[0].windows[0].end",
     "\"25:00\" is not a time HH:MM"},
};

class BrokenFixtureTest : public ::testing::TestWithParam<BrokenFixture> {};

TEST_P(BrokenFixtureTest, FailsWithFileLineAndKeyPath) {
    const BrokenFixture& fixture = GetParam();
    const std::string path = (fixtureDir / (std::string(fixture.file) + ".toml")).string();
    const auto config = loadSiteConfig(path, {});
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
        const bool listed = std::any_of(std::begin(brokenFixtures), std::end(brokenFixtures),
                                        [&](const BrokenFixture& f) { return stem == f.file; });
        EXPECT_TRUE(listed) << stem << ".toml has no row in brokenFixtures";
    }
}

TEST(SiteConfigFile, UnreadableFileIsReported) {
    const auto config = loadSiteConfig((fixtureDir / "no-such-file.toml").string(), {});
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
    {"KeyNoSectionClaims", "[[doors]]\nid = \"d\"\n", "t.toml:17:3: doors: unknown key"},
    {"SecondSiteRoot", "[[zones]]\nid = \"other\"\nname = \"O\"\nkind = \"site\"\n",
     "t.toml:20:8: zones[2].kind: a second zone of kind \"site\""},
    {"ZoneWithoutParent", "[[zones]]\nid = \"f1\"\nname = \"F\"\nkind = \"floor\"\n",
     "t.toml:17:1: zones[2]: missing key parent; only the site root may omit it"},
    {"DuplicateZone",
     "[[zones]]\nid = \"bldg\"\nname = \"B2\"\nparent = \"site\"\nkind = \"building\"\n",
     "t.toml:18:6: zones[2].id: duplicate zone id \"bldg\" (first used by zones[1])"},
    {"UnknownParentSuggests",
     "[[zones]]\nid = \"f1\"\nname = \"F\"\nparent = \"bldq\"\nkind = \"floor\"\n",
     "t.toml:20:10: zones[2].parent: unknown zone \"bldq\" (did you mean \"bldg\"?)"},
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

TEST(SiteConfigText, CalendarAndHolidayRule) {
    const auto config = loadText(
        "[calendar]\nholidays_file = \"data/syukujitsu.csv\"\n"
        "closures = [{ name = \"年末年始\", from = \"2026-12-29\", to = \"2027-01-03\" },"
        " { name = \"点検\", from = \"2026-08-14\" }]\n"
        "[[schedules]]\nid = \"s\"\nname = \"S\"\nholidays = \"closed\"\n"
        "windows = [{ days = [\"mon\"], start = \"09:00\", end = \"17:00\" }]\n");
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->schedules.at(0).holidays, "closed");
    ASSERT_TRUE(config->calendar);
    EXPECT_EQ(config->calendar->holidaysFile, std::filesystem::path("/srv/x/data/syukujitsu.csv"));
    ASSERT_EQ(config->calendar->closures.size(), 2U);
    EXPECT_EQ(config->calendar->closures[1].to, "2026-08-14");  // a single day
}

TEST(SiteConfigText, CalendarMistakesAreNamed) {
    const auto noCalendar = loadText(
        "[[schedules]]\nid = \"s\"\nname = \"S\"\nholidays = \"only\"\n"
        "windows = [{ days = [\"mon\"], start = \"09:00\", end = \"17:00\" }]\n");
    ASSERT_FALSE(noCalendar.ok());
    EXPECT_NE(noCalendar.error().message.find("schedules[0].holidays: a holiday rule needs"),
              std::string::npos)
        << noCalendar.error().message;
    const auto badDates = loadText(
        "[calendar]\nholidays_file = \"h.csv\"\n"
        "closures = [{ name = \"a\", from = \"2026-02-30\" },"
        " { name = \"b\", from = \"2026-05-02\", to = \"2026-05-01\" }]\n");
    ASSERT_FALSE(badDates.ok());
    EXPECT_NE(badDates.error().message.find("calendar.closures[0].from: expected a date"),
              std::string::npos)
        << badDates.error().message;
    EXPECT_NE(badDates.error().message.find("calendar.closures[1].to: ends before it begins"),
              std::string::npos)
        << badDates.error().message;
    const auto badRule = loadText(
        "[[schedules]]\nid = \"s\"\nname = \"S\"\nholidays = \"sometimes\"\n"
        "windows = [{ days = [\"mon\"], start = \"09:00\", end = \"17:00\" }]\n");
    ASSERT_FALSE(badRule.ok());
    EXPECT_NE(badRule.error().message.find("expected one of ignore, closed, only"),
              std::string::npos)
        << badRule.error().message;
}

// ------------------------------------------------------------------ floor plans

// A floor with a plan and a room drawn on it; tests append one more zone or change a line.
constexpr std::string_view planFloor = R"(
[[zones]]
id = "f1"
name = "1F"
parent = "bldg"
kind = "floor"
plan = { w = 1000, h = 600 }

[[zones]]
id = "room"
name = "Room"
parent = "f1"
kind = "area"
plan = { x = 10, y = 20, w = 300, h = 200 }
)";

TEST(SiteConfigPlan, FloorExtentAndRectanglesAreRead) {
    const auto config = loadText(std::string(planFloor) +
                                 "[[zones]]\nid = \"cage\"\nname = \"Cage\"\nparent = \"room\"\n"
                                 "kind = \"area\"\n"
                                 "plan = { x = 20.5, y = 30, w = 50, h = 40 }\n");
    ASSERT_TRUE(config.ok()) << config.error().message;
    const ZoneConfig* floor = findZone(*config, "f1");
    ASSERT_TRUE(floor != nullptr && floor->plan);
    EXPECT_EQ(floor->plan->x, 0);
    EXPECT_EQ(floor->plan->w, 1000);
    EXPECT_EQ(floor->plan->h, 600);
    const ZoneConfig* cage = findZone(*config, "cage");
    ASSERT_TRUE(cage != nullptr && cage->plan);
    EXPECT_EQ(cage->plan->x, 20.5);
    EXPECT_EQ(cage->plan->y, 30);
    EXPECT_EQ(cage->plan->w, 50);
    // Two levels below the floor, still on it.
    EXPECT_EQ(floorOf(*config, "cage"), floor);
    EXPECT_EQ(floorOf(*config, "f1"), floor);
    EXPECT_EQ(floorOf(*config, "bldg"), nullptr);
    EXPECT_EQ(floorOf(*config, "nowhere"), nullptr);
    EXPECT_FALSE(findZone(*config, "bldg")->plan);  // absent: not drawn
}

TEST(SiteConfigPlan, MistakesNameTheKeyAndWhy) {
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::string floorOnly(planFloor.substr(0, planFloor.find("\n[[zones]]", 1)));
    const Case cases[] = {
        // A floor's plan takes no position.
        {floorOnly.substr(0, floorOnly.find("plan")) + "plan = { x = 5, w = 1000, h = 600 }\n",
         "t.toml:23:8: zones[2].plan.x: a floor's plan is its extent (w, h)"},
        // A rectangle needs all four values.
        {floorOnly + "\n[[zones]]\nid = \"r\"\nname = \"R\"\nparent = \"f1\"\nkind = \"area\"\n"
                     "plan = { x = 1, w = 2, h = 3 }\n",
         "t.toml:30:8: zones[3].plan.y: missing required key"},
        {floorOnly + "\n[[zones]]\nid = \"r\"\nname = \"R\"\nparent = \"f1\"\nkind = \"area\"\n"
                     "plan = { x = 1, y = 1, w = 0, h = 3 }\n",
         "t.toml:30:28: zones[3].plan.w: a plan size must be greater than 0"},
        {floorOnly + "\n[[zones]]\nid = \"r\"\nname = \"R\"\nparent = \"f1\"\nkind = \"area\"\n"
                     "plan = { x = -1, y = 1, w = 2, h = 3 }\n",
         "t.toml:30:14: zones[3].plan.x: -1 is out of range 0..100000"},
        {floorOnly + "\n[[zones]]\nid = \"r\"\nname = \"R\"\nparent = \"f1\"\nkind = \"area\"\n"
                     "plan = { x = 1, y = 1, w = 2, h = 3, z = 4 }\n",
         "t.toml:30:38: zones[3].plan.z: unknown key"},
        // Outside the floor's extent.
        {floorOnly + "\n[[zones]]\nid = \"r\"\nname = \"R\"\nparent = \"f1\"\nkind = \"area\"\n"
                     "plan = { x = 900, y = 500, w = 200, h = 50 }\n",
         "t.toml:30:8: zones[3].plan: the rectangle (x 900..1100, y 500..550) leaves floor "
         "\"f1\"'s "
         "plan (w 1000, h 600)"},
        // Not on a floor at all: a building, or an area beside the floors.
        {"[[zones]]\nid = \"lobby\"\nname = \"L\"\nparent = \"bldg\"\nkind = \"area\"\n"
         "plan = { x = 1, y = 1, w = 2, h = 3 }\n",
         "t.toml:22:8: zones[2].plan: area \"lobby\" lies on no floor; only a floor and the zones "
         "inside one are drawn on a plan"},
        // On a floor that has no plan of its own.
        {"[[zones]]\nid = \"f2\"\nname = \"2F\"\nparent = \"bldg\"\nkind = \"floor\"\n"
         "[[zones]]\nid = \"r\"\nname = \"R\"\nparent = \"f2\"\nkind = \"area\"\n"
         "plan = { x = 1, y = 1, w = 2, h = 3 }\n",
         "t.toml:27:8: zones[3].plan: floor \"f2\" has no plan; give it plan = { w = ..., h = ... "
         "} "
         "to draw \"r\" on it"},
        {"[[zones]]\nid = \"f2\"\nname = \"2F\"\nparent = \"bldg\"\nkind = \"floor\"\nplan = 3\n",
         "t.toml:22:8: zones[2].plan: expected table, found integer"},
    };
    for (const auto& c : cases) {
        const auto config = loadText(c.text);
        ASSERT_FALSE(config.ok()) << c.text;
        EXPECT_EQ(config.error().message.substr(0, c.expected.size()), c.expected)
            << config.error().message;
        EXPECT_EQ(lines(config.error().message).size(), 1U) << config.error().message;
    }
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
        const auto config = loadSiteConfigFromString(text, "g.toml", {});
        EXPECT_FALSE(config.ok()) << text;
    }
}

// ------------------------------------------------------------------ sections

TEST(SiteConfigSections, ASectionReadsTheKeysItClaims) {
    WidgetSection widgets;
    const auto config = loadWithSections("[[widgets]]\nid = \"w1\"\nzone = \"bldg\"\n", {&widgets});
    ASSERT_TRUE(config.ok()) << config.error().message;
    ASSERT_EQ(widgets.widgets.size(), 1U);
    EXPECT_EQ(widgets.widgets[0].id, "w1");
    EXPECT_EQ(widgets.widgets[0].zone, "bldg");
}

TEST(SiteConfigSections, ErrorsInsideASectionNameFileLineAndKeyPath) {
    WidgetSection widgets;
    const auto config = loadWithSections(
        "[[widgets]]\nid = \"w1\"\nzone = \"lobby\"\ncolour = \"red\"\n", {&widgets});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().message,
              "t.toml:19:8: widgets[0].zone: unknown zone \"lobby\"\n"
              "t.toml:20:1: widgets[0].colour: unknown key");
}

TEST(SiteConfigSections, UnknownTopLevelKeySuggestsAClaimedKey) {
    WidgetSection widgets;
    const auto config = loadWithSections("[[widget]]\nid = \"w1\"\n", {&widgets});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().message,
              "t.toml:17:3: widget: unknown key (did you mean \"widgets\"?)");
}

TEST(SiteConfigSections, ReferencesResolveWhicheverSectionReadsFirst) {
    const std::string text =
        "[[widgets]]\nid = \"w1\"\nzone = \"bldg\"\ngadget = \"g1\"\n[gadgets]\nids = [\"g1\"]\n";
    WidgetSection widgets;
    GadgetSection gadgets;
    const auto before = loadWithSections(text, {&widgets, &gadgets});
    EXPECT_TRUE(before.ok()) << before.error().message;
    WidgetSection widgetsAgain;
    GadgetSection gadgetsAgain;
    const auto after = loadWithSections(text, {&gadgetsAgain, &widgetsAgain});
    EXPECT_TRUE(after.ok()) << after.error().message;
}

TEST(SiteConfigSections, AnUndeclaredReferenceSuggestsANearId) {
    WidgetSection widgets;
    GadgetSection gadgets;
    const auto config = loadWithSections(
        "[[widgets]]\nid = \"w1\"\nzone = \"bldg\"\ngadget = \"g2\"\n[gadgets]\nids = [\"g1\"]\n",
        {&widgets, &gadgets});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().message,
              "t.toml:20:10: widgets[0].gadget: unknown gadget \"g2\" (did you mean \"g1\"?)");
}

TEST(SiteConfigSections, AKeyClaimedTwiceIsAWiringError) {
    WidgetSection widgets;
    GadgetSection alsoWidgets({"widgets"});
    const auto config = loadWithSections("", {&widgets, &alsoWidgets});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, "config.sections");
    GadgetSection claimsZones({"zones"});
    const auto zones = loadWithSections("", {&claimsZones});
    ASSERT_FALSE(zones.ok());
    EXPECT_EQ(zones.error().code, "config.sections");
}

TEST(IdRegistry, DeclaresRequiresAndListsByKind) {
    ConfigDiagnostics diag("r.toml");
    IdRegistry ids;
    EXPECT_TRUE(ids.declare("door", "front", "doors[0].id", diag));
    EXPECT_TRUE(ids.declare("zone", "front", "zones[0].id", diag));  // kinds are separate
    EXPECT_FALSE(ids.declare("door", "front", "doors[3].id", diag));
    EXPECT_FALSE(ids.declare("door", "", "doors[4].id", diag));  // reported when it was read
    EXPECT_TRUE(ids.has("door", "front"));
    EXPECT_FALSE(ids.has("camera", "front"));
    EXPECT_EQ(ids.declaredAt("door", "front"), "doors[0]");
    EXPECT_EQ(ids.declaredAt("door", "back"), "");
    EXPECT_TRUE(ids.declare("door", "back", "doors[1].id", diag));
    EXPECT_EQ(ids.ids("door"), (std::vector<std::string>{"back", "front"}));
    EXPECT_TRUE(ids.require("door", "back", "cameras[0].covers[0]", diag));
    EXPECT_FALSE(ids.require("modbus_device", "m1", "power.ats", diag));
    EXPECT_EQ(diag.joined(),
              "r.toml:1:1: doors[3].id: duplicate door id \"front\" (first used by doors[0])\n"
              "r.toml:1:1: power.ats: unknown modbus device \"m1\"");
}

}  // namespace
}  // namespace sekimori::core
