#include "cameras/camera_config.hpp"

namespace sekimori::cameras {
namespace {

using core::Presence;
using core::TomlTableReader;

std::optional<std::string> readRtsp(TomlTableReader& r, std::string_view key, Presence presence) {
    auto url = r.string(key, presence);
    if (url && !isRtspUrl(*url)) {
        r.diagnostics().error(r.keyPath(key), "\"" + *url + "\" is not an rtsp:// URL");
        return std::nullopt;
    }
    return url;
}

}  // namespace

bool isRtspUrl(std::string_view url) {
    for (std::string_view scheme : {"rtsp://", "rtsps://"}) {
        if (url.substr(0, scheme.size()) == scheme) {
            const auto rest = url.substr(scheme.size());
            return !rest.empty() && rest.front() != '/' && rest.find(' ') == std::string_view::npos;
        }
    }
    return false;
}

std::vector<std::string_view> CameraConfigSection::keys() const {
    return {"cameras"};
}

void CameraConfigSection::read(TomlTableReader& root, const std::filesystem::path&,
                               core::IdRegistry& ids) {
    root.forEachTable("cameras", Presence::optional, [&](TomlTableReader& r, std::size_t) {
        CameraConfig& c = config_.cameras.emplace_back();
        c.id = r.id("id", Presence::required).value_or("");
        c.name = r.string("name", Presence::required).value_or("");
        c.url = readRtsp(r, "url", Presence::required).value_or("");
        c.substreamUrl = readRtsp(r, "substream_url", Presence::optional);
        c.covers = r.stringArray("covers", Presence::required).value_or(c.covers);
        // The floor is the rule itself: a shorter retention is refused, not clamped.
        c.retentionDays = static_cast<int>(
            r.integer("retention_days", Presence::optional, kMinRetentionDays, kMaxRetentionDays)
                .value_or(c.retentionDays));
        ids.declare("camera", c.id, r.keyPath("id"), r.diagnostics());
    });
}

void CameraConfigSection::check(const core::SiteConfig&, const core::IdRegistry& ids,
                                core::ConfigDiagnostics& diagnostics) {
    for (std::size_t i = 0; i < config_.cameras.size(); ++i) {
        const CameraConfig& camera = config_.cameras[i];
        const std::string here = "cameras[" + std::to_string(i) + "]";
        if (camera.covers.empty()) {
            if (!diagnostics.reported(here + ".covers")) {
                diagnostics.error(here + ".covers", "must cover at least one door, gate or zone");
            }
            continue;
        }
        for (std::size_t k = 0; k < camera.covers.size(); ++k) {
            const std::string& id = camera.covers[k];
            if (!ids.has("door_or_gate", id) && !ids.has("zone", id)) {
                diagnostics.error(here + ".covers[" + std::to_string(k) + "]",
                                  "unknown door, gate or zone \"" + id + "\"");
            }
        }
    }
}

}  // namespace sekimori::cameras
