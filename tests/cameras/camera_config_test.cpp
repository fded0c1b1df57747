// [[cameras]] as cameras' own section reads and checks it, the 90-day floor included.
#include "cameras/camera_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/site_config.hpp"

namespace sekimori::cameras {
namespace {

// The smallest valid site (ends on line 16).
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

// Stands in for doors: declares the door or gate "front" as doors' section does.
class FrontDoor final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override { return {}; }
    void read(core::TomlTableReader& root, const std::filesystem::path&,
              core::IdRegistry& ids) override {
        ids.declare("door_or_gate", "front", "doors[0].id", root.diagnostics());
    }
    void check(const core::SiteConfig&, const core::IdRegistry&,
               core::ConfigDiagnostics&) override {}
};

struct Loaded {
    core::Result<core::SiteConfig> site;
    CamerasConfig cameras;
};

Loaded load(std::string_view extra) {
    CameraConfigSection section;
    FrontDoor door;
    std::vector<core::ConfigSection*> sections{&door, &section};
    auto site = core::loadSiteConfigFromString(std::string(minimalSite) + std::string(extra),
                                               "t.toml", sections, "/srv/x");
    return Loaded{std::move(site), section.config()};
}

constexpr const char* camera =
    "[[cameras]]\nid = \"cam-1\"\nname = \"C\"\nurl = \"rtsp://127.0.0.1:8554/cam-1\"\n";

TEST(CameraConfig, ReadsACameraCoveringADoorAndAZone) {
    const auto loaded = load(std::string(camera) + "covers = [\"front\", \"bldg\"]\n");
    ASSERT_TRUE(loaded.site.ok()) << loaded.site.error().message;
    ASSERT_EQ(loaded.cameras.cameras.size(), 1U);
    EXPECT_EQ(loaded.cameras.cameras[0].retentionDays, kMinRetentionDays);
    EXPECT_FALSE(loaded.cameras.cameras[0].substreamUrl.has_value());
}

struct TextCase {
    const char* name;
    std::string extra;
    const char* expected;
};

const TextCase textCases[] = {
    {"RetentionBelowNinetyDays",
     std::string(camera) + "covers = [\"front\"]\nretention_days = 89\n",
     "t.toml:22:18: cameras[0].retention_days: 89 is out of range 90..3650"},
    {"UnknownCover", std::string(camera) + "covers = [\"front\", \"back-door\"]\n",
     "t.toml:21:20: cameras[0].covers[1]: unknown door, gate or zone \"back-door\""},
    {"CoversNothing", std::string(camera) + "covers = []\n",
     "t.toml:21:10: cameras[0].covers: must cover at least one door, gate or zone"},
    {"NotRtsp",
     "[[cameras]]\nid = \"cam-1\"\nname = \"C\"\nurl = \"http://127.0.0.1/cam\"\n"
     "covers = [\"bldg\"]\n",
     "t.toml:20:7: cameras[0].url: \"http://127.0.0.1/cam\" is not an rtsp:// URL"},
    {"DuplicateCamera",
     std::string(camera) + "covers = [\"bldg\"]\n" + camera + "covers = [\"bldg\"]\n",
     "t.toml:23:6: cameras[1].id: duplicate camera id \"cam-1\" (first used by cameras[0])"},
};

class CameraConfigText : public ::testing::TestWithParam<TextCase> {};

TEST_P(CameraConfigText, ReportsExactly) {
    const auto loaded = load(GetParam().extra);
    ASSERT_FALSE(loaded.site.ok());
    EXPECT_EQ(loaded.site.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(CameraConfig, CameraConfigText, ::testing::ValuesIn(textCases),
                         [](const auto& param) { return std::string(param.param.name); });

TEST(CameraConfig, RtspUrls) {
    EXPECT_TRUE(isRtspUrl("rtsp://10.0.0.5:554/main"));
    EXPECT_TRUE(isRtspUrl("rtsps://cam.local/main"));
    EXPECT_FALSE(isRtspUrl("rtsp:///main"));
    EXPECT_FALSE(isRtspUrl("rtsp://"));
    EXPECT_FALSE(isRtspUrl("rtsp://a b/main"));
    EXPECT_FALSE(isRtspUrl("http://cam/main"));
}

}  // namespace
}  // namespace sekimori::cameras
