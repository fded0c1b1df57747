#pragma once
// The cameras domain's part of the site file: [[cameras]], read and checked by cameras' own
// ConfigSection (docs/config.md). Declares ids of kind "camera"; checks that each camera covers
// known doors, gates or zones, and the site rule that footage is kept 90 days at least.
#include <optional>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::cameras {

// Footage is kept this long at least (the site's evidence policy); ten years is the ceiling.
inline constexpr int kMinRetentionDays = 90;
inline constexpr int kMaxRetentionDays = 3650;

struct CameraConfig {
    std::string id;
    std::string name;
    std::string url;                          // rtsp:// or rtsps://, the main stream (recorded)
    std::optional<std::string> substreamUrl;  // low resolution stream for analytics
    std::vector<std::string> covers;          // door, circle gate or zone ids
    int retentionDays = kMinRetentionDays;
};

struct CamerasConfig {
    std::vector<CameraConfig> cameras;
};

// rtsp://host[:port]/... or rtsps://... with a non-empty host and no spaces.
bool isRtspUrl(std::string_view url);

class CameraConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const CamerasConfig& config() const { return config_; }

  private:
    CamerasConfig config_;
};

}  // namespace sekimori::cameras
