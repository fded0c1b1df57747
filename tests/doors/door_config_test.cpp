// [[doors]] and [[circle_gates]] as doors' own section reads and checks them.
#include "doors/door_config.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/site_config.hpp"

namespace sekimori::doors {
namespace {

// The smallest valid site (ends on line 22); tests append to it.
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

[[zones]]
id = "handling"
name = "Handling area"
parent = "bldg"
kind = "handling_area"
)";

struct Loaded {
    core::Result<core::SiteConfig> site;
    DoorsConfig doors;
};

Loaded load(std::string_view extra) {
    DoorConfigSection section;
    std::vector<core::ConfigSection*> sections{&section};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

std::size_t lineCount(const std::string& text) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
    }
    return n;
}

constexpr const char* door =
    "[[doors]]\nid = \"d\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"site\"\n"
    "to_zone = \"bldg\"\n";

TEST(DoorConfig, ReadsADoorWithDefaults) {
    const auto loaded = load(std::string(door) + "entry_factors = [\"card\", \"pin\"]\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    ASSERT_EQ(loaded.doors.doors.size(), 1U);
    const DoorConfig& d = loaded.doors.doors[0];
    EXPECT_EQ(d.panel, "p-d");
    EXPECT_EQ(d.entryFactors, (std::vector{protocol::Factor::card, protocol::Factor::pin}));
    EXPECT_TRUE(d.exitFactors.empty());
    EXPECT_EQ(d.unlock, std::chrono::milliseconds(5000));
    EXPECT_EQ(d.fingerThreshold, 60);
}

TEST(DoorConfig, ThreeFactorsIntoTheHandlingAreaIsAccepted) {
    const auto loaded = load(
        "[[doors]]\nid = \"h\"\nname = \"H\"\npanel = \"p-h\"\nfrom_zone = \"bldg\"\n"
        "to_zone = \"handling\"\nentry_factors = [\"card\", \"pin\", \"finger\"]\n");
    EXPECT_TRUE(loaded.site.ok()) << loaded.site.error().message;
}

struct TextCase {
    const char* name;
    std::string extra;
    const char* expected;
};

const TextCase textCases[] = {
    {"HandlingAreaNeedsThreeFactors",
     "[[doors]]\nid = \"h\"\nname = \"H\"\npanel = \"p-h\"\nfrom_zone = \"bldg\"\n"
     "to_zone = \"handling\"\nentry_factors = [\"card\", \"pin\"]\n",
     "t.toml:29:17: doors[0].entry_factors: entry into handling_area \"handling\" must require "
     "all three factors: card, pin, finger"},
    {"UnknownZoneSuggests",
     std::string(door) + "entry_factors = [\"card\"]\n" +
         "[[doors]]\nid = \"e\"\nname = \"E\"\npanel = \"p-e\"\n"
         "from_zone = \"site\"\nto_zone = \"bldq\"\nentry_factors = "
         "[\"card\"]\n",
     "t.toml:35:11: doors[1].to_zone: unknown zone \"bldq\" (did you mean \"bldg\"?)"},
    {"NanWeight",
     "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-g\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = nan\n",
     "t.toml:30:17: circle_gates[0].max_weight_kg: nan is out of range 30..300"},
    {"TwoOccupantGate",
     "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-g\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = 120\nmax_occupants = 2\n",
     "t.toml:31:17: circle_gates[0].max_occupants: 2 is out of range 1..1"},
    {"GateSharesPanelWithDoor",
     std::string(door) + "entry_factors = [\"card\"]\n" +
         "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-d\"\nfrom_zone = \"site\"\n"
         "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = 120\n",
     "t.toml:33:9: circle_gates[0].panel: panel \"p-d\" already serves doors[0]"},
    {"GateIdCollidesWithDoorId",
     std::string(door) + "entry_factors = [\"card\"]\n" +
         "[[circle_gates]]\nid = \"d\"\nname = \"G\"\npanel = \"p-g\"\nfrom_zone = \"site\"\n"
         "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = 120\n",
     "t.toml:31:6: circle_gates[0].id: duplicate door or gate id \"d\" (first used by doors[0])"},
    {"DoorIdCollidesWithZoneId",
     "[[doors]]\nid = \"bldg\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"site\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\n",
     "t.toml:24:6: doors[0].id: duplicate door or gate id \"bldg\" (first used by zones[1])"},
    {"DoorIntoItsOwnZone",
     "[[doors]]\nid = \"d\"\nname = \"D\"\npanel = \"p-d\"\nfrom_zone = \"bldg\"\n"
     "to_zone = \"bldg\"\nentry_factors = [\"card\"]\n",
     "t.toml:28:11: doors[0].to_zone: a portal must join two different zones"},
    {"EmptyEntryFactors", std::string(door) + "entry_factors = []\n",
     "t.toml:29:17: doors[0].entry_factors: must name at least one factor"},
    {"UnknownFactor", std::string(door) + "entry_factors = [\"card\", \"face\"]\n",
     "t.toml:29:26: doors[0].entry_factors[1]: unknown factor \"face\""},
    {"FactorTwice", std::string(door) + "entry_factors = [\"card\", \"card\"]\n",
     "t.toml:29:26: doors[0].entry_factors[1]: factor \"card\" listed twice"},
    {"CardFirst", std::string(door) + "entry_factors = [\"pin\", \"card\"]\n",
     "t.toml:29:18: doors[0].entry_factors[0]: the first factor must be \"card\""},
    {"UnknownDoorKey", std::string(door) + "entry_factors = [\"card\"]\nunlock_msec = 3\n",
     "t.toml:30:1: doors[0].unlock_msec: unknown key (did you mean \"unlock_ms\"?)"},
};

class DoorConfigText : public ::testing::TestWithParam<TextCase> {};

TEST_P(DoorConfigText, ReportsExactly) {
    const auto loaded = load(GetParam().extra);
    ASSERT_FALSE(loaded.site.ok());
    const std::string& message = loaded.site.error().message;
    EXPECT_EQ(message.substr(0, std::string_view(GetParam().expected).size()), GetParam().expected)
        << message;
    EXPECT_EQ(lineCount(message), 1U) << message;
}

INSTANTIATE_TEST_SUITE_P(DoorConfig, DoorConfigText, ::testing::ValuesIn(textCases),
                         [](const auto& param) { return std::string(param.param.name); });

// ------------------------------------------------------------------ plan points

// Lines 23..38: a floor with a plan, a room on it, and a floor without one.
constexpr const char* floors =
    "[[zones]]\nid = \"f1\"\nname = \"1F\"\nparent = \"bldg\"\nkind = \"floor\"\n"
    "plan = { w = 1000, h = 600 }\n"
    "[[zones]]\nid = \"room\"\nname = \"Room\"\nparent = \"f1\"\nkind = \"area\"\n"
    "[[zones]]\nid = \"f2\"\nname = \"2F\"\nparent = \"bldg\"\nkind = \"floor\"\n";

std::string portalWithPlan(const char* list, const char* from, const char* to, const char* plan) {
    std::string text = std::string("[[") + list +
                       "]]\nid = \"d\"\nname = \"D\"\npanel = \"p-d\"\n" + "from_zone = \"" + from +
                       "\"\nto_zone = \"" + to + "\"\nentry_factors = [\"card\"]\nplan = " + plan +
                       "\n";
    if (std::string_view(list) == "circle_gates") {
        text += "max_weight_kg = 120\n";
    }
    return text;
}

TEST(DoorConfigPlan, APortalIsPlacedOnItsToZonesFloor) {
    const auto loaded =
        load(std::string(floors) + portalWithPlan("doors", "f1", "room", "{ x = 310, y = 100.5 }"));
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& plan = loaded.doors.doors.at(0).plan;
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->floor, "f1");
    EXPECT_EQ(plan->x, 310);
    EXPECT_EQ(plan->y, 100.5);
}

TEST(DoorConfigPlan, AGateIntoAZoneOnNoFloorIsPlacedOnItsFromZonesFloor) {
    const auto loaded = load(std::string(floors) +
                             portalWithPlan("circle_gates", "room", "bldg", "{ x = 0, y = 0 }"));
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& plan = loaded.doors.circleGates.at(0).plan;
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->floor, "f1");
}

TEST(DoorConfigPlan, NoPlanMeansNotDrawn) {
    const auto loaded = load(std::string(door) + "entry_factors = [\"card\"]\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    EXPECT_FALSE(loaded.doors.doors.at(0).plan);
}

TEST(DoorConfigPlan, MistakesNameTheKeyAndWhy) {
    struct Case {
        std::string text;
        std::string expected;
    };
    const Case cases[] = {
        {portalWithPlan("doors", "site", "bldg", "{ x = 1, y = 1 }"),
         "t.toml:30:8: doors[0].plan: neither to_zone \"bldg\" nor from_zone \"site\" lies on a "
         "floor; a portal is drawn on its floor's plan"},
        {std::string(floors) + portalWithPlan("doors", "bldg", "f2", "{ x = 1, y = 1 }"),
         "t.toml:46:8: doors[0].plan: floor \"f2\" has no plan; give it plan = { w = ..., h = ... "
         "} to draw \"d\" on it"},
        {std::string(floors) + portalWithPlan("circle_gates", "f1", "room", "{ x = 1001, y = 1 }"),
         "t.toml:46:8: circle_gates[0].plan: the point (1001, 1) lies outside floor \"f1\"'s plan "
         "(w 1000, h 600)"},
        {std::string(floors) + portalWithPlan("doors", "f1", "room", "{ x = 1 }"),
         "t.toml:46:8: doors[0].plan.y: missing required key"},
        {std::string(floors) + portalWithPlan("doors", "f1", "room", "{ x = 1, y = 2, w = 3 }"),
         "t.toml:46:24: doors[0].plan.w: unknown key"},
        {std::string(floors) + portalWithPlan("doors", "f1", "room", "\"here\""),
         "t.toml:46:8: doors[0].plan: expected table, found string"},
    };
    for (const auto& c : cases) {
        const auto loaded = load(c.text);
        ASSERT_FALSE(loaded.site.ok()) << c.text;
        const std::string& message = loaded.site.error().message;
        EXPECT_EQ(message.substr(0, c.expected.size()), c.expected) << message;
        EXPECT_EQ(lineCount(message), 1U) << message;
    }
}

// ------------------------------------------------------------------ issue 14's per-door keys

constexpr const char* businessHours =
    "[[schedules]]\nid = \"office\"\nname = \"Office\"\n"
    "windows = [{ days = [\"mon\"], start = \"08:00\", end = \"18:00\" }]\n";

TEST(DoorConfigIssue14, ReadsEveryNewKey) {
    const auto loaded =
        load(std::string(businessHours) + door +
             "entry_factors = [\"card\"]\ncard_formats = [\"felica\", \"wiegand26\"]\n"
             "held_open_ms = 30000\nheld_open_warning_ms = 20000\n"
             "first_person_in = { schedule = \"office\" }\n"
             "[[doors]]\nid = \"k\"\nname = \"K\"\npanel = \"p-k\"\n"
             "from_zone = \"site\"\nto_zone = \"bldg\"\nkeypad_only = true\n"
             "entry_factors = [\"pin\"]\n"
             "[card_formats]\nwiegand_facility_codes = [12, 300]\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const DoorConfig& d = loaded.doors.doors.at(0);
    EXPECT_FALSE(d.keypadOnly);
    EXPECT_EQ(d.cardFormats, (std::vector<std::string>{"felica", "wiegand26"}));
    EXPECT_EQ(d.heldOpenWarning, std::chrono::milliseconds(20000));
    ASSERT_TRUE(d.firstPersonIn);
    EXPECT_EQ(d.firstPersonIn->schedule, "office");
    EXPECT_TRUE(d.firstPersonIn->groups.empty());
    const DoorConfig& k = loaded.doors.doors.at(1);
    EXPECT_TRUE(k.keypadOnly);
    EXPECT_EQ(k.entryFactors, std::vector{protocol::Factor::pin});
    EXPECT_EQ(k.heldOpenWarning, std::chrono::milliseconds(0));
    EXPECT_FALSE(k.firstPersonIn);
    EXPECT_EQ(loaded.doors.cardFormats.wiegandFacilityCodes, (std::vector<std::uint32_t>{12, 300}));
    // A keypad outside, a card reader (or a keypad) inside.
    for (const char* exit : {"[\"card\"]", "[\"pin\"]"}) {
        const auto keypad =
            load(std::string(door) +
                 "keypad_only = true\nentry_factors = [\"pin\"]\nexit_factors = " + exit + "\n");
        ASSERT_TRUE(keypad.site.ok()) << keypad.site.error().message;
    }
}

TEST(DoorConfigIssue14, DefaultsLeaveEveryRuleOff) {
    const auto loaded = load(std::string(door) + "entry_factors = [\"card\"]\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const DoorConfig& d = loaded.doors.doors.at(0);
    EXPECT_FALSE(d.keypadOnly);
    EXPECT_TRUE(d.cardFormats.empty());
    EXPECT_EQ(d.heldOpenWarning.count(), 0);
    EXPECT_FALSE(d.firstPersonIn);
    EXPECT_TRUE(loaded.doors.cardFormats.wiegandFacilityCodes.empty());
}

TEST(DoorConfigIssue14, MistakesNameTheKeyAndWhy) {
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::string keypadDoor =
        "[[doors]]\nid = \"k\"\nname = \"K\"\npanel = \"p-k\"\nfrom_zone = \"site\"\n"
        "to_zone = \"bldg\"\n";
    const Case cases[] = {
        {std::string(door) + "entry_factors = [\"pin\"]\n",
         "t.toml:29:18: doors[0].entry_factors[0]: the first factor must be \"card\"; a PIN-only "
         "door needs keypad_only = true"},
        {keypadDoor + "keypad_only = true\nentry_factors = [\"pin\", \"finger\"]\n",
         "t.toml:30:17: doors[0].entry_factors: a keypad_only door takes exactly [\"pin\"]"},
        {keypadDoor + "keypad_only = true\nentry_factors = [\"card\"]\n",
         "t.toml:30:17: doors[0].entry_factors: a keypad_only door takes exactly [\"pin\"]"},
        {keypadDoor +
             "keypad_only = true\nentry_factors = [\"pin\"]\ncard_formats = [\"mifare\"]\n",
         "t.toml:31:16: doors[0].card_formats: a keypad_only door reads no card unless its "
         "exit_factors start with card"},
        {keypadDoor +
             "keypad_only = true\nentry_factors = [\"pin\"]\nexit_factors = [\"finger\"]\n",
         "t.toml:31:17: doors[0].exit_factors[0]: the first factor must be \"card\""},
        {std::string(door) + "entry_factors = [\"card\"]\ncard_formats = [\"hid-prox\"]\n",
         "t.toml:30:17: doors[0].card_formats[0]: unknown card format \"hid-prox\"; expected "
         "felica, mifare, wiegand26, wiegand34 or wiegand37"},
        {std::string(door) +
             "entry_factors = [\"card\"]\ncard_formats = [\"felica\", \"felica\"]\n",
         "t.toml:30:27: doors[0].card_formats[1]: card format \"felica\" listed twice"},
        {std::string(door) + "entry_factors = [\"card\"]\nheld_open_warning_ms = 30000\n",
         "t.toml:30:24: doors[0].held_open_warning_ms: the pre-alarm must come before "
         "held_open_ms (30000)"},
        {std::string(door) +
             "entry_factors = [\"card\"]\nfirst_person_in = { schedule = \"nope\" }\n",
         "t.toml:30:32: doors[0].first_person_in.schedule: unknown schedule \"nope\""},
        {std::string(businessHours) + door +
             "entry_factors = [\"card\"]\nfirst_person_in = { schedule = \"office\", groups = "
             "[\"managers\"] }\n",
         "t.toml:34:52: doors[0].first_person_in.groups[0]: unknown group \"managers\""},
        {std::string(door) + "entry_factors = [\"card\"]\nfirst_person_in = { groups = [] }\n",
         "t.toml:30:19: doors[0].first_person_in.schedule: missing required key"},
        {std::string(door) + "entry_factors = [\"card\"]\n[card_formats]\n"
                             "wiegand_facility_codes = [12, 70000]\n",
         "t.toml:31:31: card_formats.wiegand_facility_codes[1]: 70000 is out of range 0..65535"},
        {std::string(door) + "entry_factors = [\"card\"]\n[card_formats]\n"
                             "wiegand_facility_codes = [12, 12]\n",
         "t.toml:31:31: card_formats.wiegand_facility_codes[1]: facility code 12 listed twice"},
        {std::string(door) + "entry_factors = [\"card\"]\n[card_formats]\n"
                             "wiegand_facility_codes = \"12\"\n",
         "t.toml:31:26: card_formats.wiegand_facility_codes: expected array of integers, found "
         "string"},
        {std::string(door) + "entry_factors = [\"card\"]\n[card_formats]\nfacility_codes = [1]\n",
         "t.toml:31:1: card_formats.facility_codes: unknown key"},
    };
    for (const auto& c : cases) {
        const auto loaded = load(c.text);
        ASSERT_FALSE(loaded.site.ok()) << c.text;
        const std::string& message = loaded.site.error().message;
        EXPECT_EQ(message.substr(0, c.expected.size()), c.expected) << message;
        EXPECT_EQ(lineCount(message), 1U) << message;
    }
}

// [[cameras]] as the cameras domain declares them (ids only): the gate's camera refers to one.
class CameraIds final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override { return {"cameras"}; }
    void read(core::TomlTableReader& root, const std::filesystem::path&,
              core::IdRegistry& ids) override {
        root.forEachTable("cameras", core::Presence::optional,
                          [&](core::TomlTableReader& r, std::size_t) {
                              auto id = r.id("id", core::Presence::required);
                              if (id) {
                                  ids.declare("camera", *id, r.keyPath("id"), r.diagnostics());
                              }
                          });
    }
    void check(const core::SiteConfig&, const core::IdRegistry&,
               core::ConfigDiagnostics&) override {}
};

Loaded loadWithCameras(std::string_view extra) {
    DoorConfigSection section;
    CameraIds cameras;
    std::vector<core::ConfigSection*> sections{&section, &cameras};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

constexpr const char* gateKeys =
    "[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = \"p-g\"\nfrom_zone = \"site\"\n"
    "to_zone = \"bldg\"\nentry_factors = [\"card\"]\nmax_weight_kg = 120\n";

TEST(DoorConfig, AGateTakesItsDefaultsForTheIssue15Keys) {
    const auto loaded = loadWithCameras(gateKeys);
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& g = loaded.doors.circleGates.at(0);
    EXPECT_EQ(g.camera, "");
    EXPECT_EQ(g.weightTolerancePct, 15);
    EXPECT_TRUE(g.outerFailSafe);
    EXPECT_FALSE(g.innerFailSafe);
}

TEST(DoorConfig, AGateNamesADeclaredCameraAndItsLeavesPowerLoss) {
    const auto loaded =
        loadWithCameras(std::string(gateKeys) +
                        "camera = \"cam-g\"\nweight_tolerance_pct = 10\nouter_fail_safe = false\n"
                        "inner_fail_safe = true\n[[cameras]]\nid = \"cam-g\"\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    const auto& g = loaded.doors.circleGates.at(0);
    EXPECT_EQ(g.camera, "cam-g");
    EXPECT_EQ(g.weightTolerancePct, 10);
    EXPECT_FALSE(g.outerFailSafe);
    EXPECT_TRUE(g.innerFailSafe);
}

TEST(DoorConfig, BadGateKeysAreNamed) {
    const struct {
        std::string extra;
        std::string expected;
    } cases[] = {
        {std::string(gateKeys) + "camera = \"cam-x\"\n[[cameras]]\nid = \"cam-g\"\n",
         "circle_gates[0].camera: unknown camera \"cam-x\""},
        {std::string(gateKeys) + "weight_tolerance_pct = 60\n",
         "circle_gates[0].weight_tolerance_pct: 60 is out of range 0..50"},
        {std::string(gateKeys) + "outer_fail_safe = \"yes\"\n",
         "circle_gates[0].outer_fail_safe: expected boolean"},
        {std::string(gateKeys) + "camera = \"Cam X\"\n", "circle_gates[0].camera: invalid id"},
    };
    for (const auto& c : cases) {
        const auto loaded = loadWithCameras(c.extra);
        ASSERT_FALSE(loaded.site.ok()) << c.extra;
        EXPECT_NE(loaded.site.error().message.find(c.expected), std::string::npos)
            << loaded.site.error().message;
    }
}

TEST(DoorConfig, DeclaresDoorsGatesAndPanels) {
    DoorConfigSection section;
    core::ConfigDiagnostics diag("t.toml");
    const auto document = toml::parse(
        std::string(door) +
        "entry_factors = [\"card\"]\n[[circle_gates]]\nid = \"g\"\nname = \"G\"\npanel = "
        "\"p-g\"\nfrom_zone = \"site\"\nto_zone = \"bldg\"\nentry_factors = [\"card\"]\n"
        "max_weight_kg = 120\n");
    core::TomlTableReader root(document, "", diag);
    core::IdRegistry ids;
    section.read(root, "/srv/x", ids);
    EXPECT_TRUE(diag.empty()) << diag.joined();
    EXPECT_TRUE(ids.has("door", "d"));
    EXPECT_TRUE(ids.has("circle_gate", "g"));
    EXPECT_TRUE(ids.has("door_or_gate", "d"));
    EXPECT_TRUE(ids.has("door_or_gate", "g"));
    EXPECT_EQ(ids.ids("panel"), (std::vector<std::string>{"p-d", "p-g"}));
}

}  // namespace
}  // namespace sekimori::doors
