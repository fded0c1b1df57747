#include "app/config_command.hpp"

#include <set>
#include <string_view>

#include "app/cli_args.hpp"
#include "app/site_file.hpp"
#include "app/site_paths.hpp"
#include "cameras/camera_config.hpp"
#include "custody/custody_config.hpp"
#include "doors/door_config.hpp"
#include "power/power_config.hpp"

namespace sekimori::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sekimori config check --config SITE.toml\n"
    "       sekimori config show --config SITE.toml --field NAME\n"
    "fields: site.id, panels (space separated, doors and circle gates), devices (key cabinets\n"
    "        and metal detectors), mqtt.port, console.listen, data_dir, key_dir, database,\n"
    "        initial_admin_file\n";

// The custody devices' broker accounts (docs/custody-devices.md), space separated.
std::string devices(const custody::CustodyConfig& config) {
    std::string out;
    for (const auto& c : config.cabinets) {
        out.append(out.empty() ? "" : " ").append(c.id);
    }
    for (const auto& d : config.detectors) {
        out.append(out.empty() ? "" : " ").append(d.id);
    }
    return out;
}

std::string panels(const doors::DoorsConfig& config) {
    std::set<std::string> ids;
    for (const auto& d : config.doors) {
        ids.insert(d.panel);
    }
    for (const auto& g : config.circleGates) {
        ids.insert(g.panel);
    }
    std::string out;
    for (const auto& id : ids) {
        out += (out.empty() ? "" : " ") + id;
    }
    return out;
}

std::string mqttPort(const core::SiteConfig& config) {
    const auto& uri = config.daemon.mqttUri;
    const auto colon = uri.rfind(':');
    return colon == std::string::npos ? "1883" : uri.substr(colon + 1);
}

}  // namespace

int runConfigCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || (args[0] != "check" && args[0] != "show")) {
        err << kUsage;
        return 2;
    }
    auto parsed = CliArgs::parse({args.begin() + 1, args.end()}, {"config", "field"});
    if (!parsed) {
        err << "sekimori: " << parsed.error().message << "\n" << kUsage;
        return 2;
    }
    auto path = parsed->require("config");
    if (!path) {
        err << "sekimori: " << path.error().message << "\n" << kUsage;
        return 2;
    }
    auto file = loadSiteFile(*path);
    if (!file) {
        err << file.error().message << "\n";
        return 1;
    }
    const core::SiteConfig* config = &file->site;
    const doors::DoorsConfig& doors = file->section<doors::DoorConfigSection>()->config();
    if (args[0] == "check") {
        const auto* cameras = file->section<cameras::CameraConfigSection>();
        const auto* power = file->section<power::PowerConfigSection>();
        out << *path << ": ok (" << config->zones.size() << " zones, " << doors.doors.size()
            << " doors, " << doors.circleGates.size() << " circle gates, "
            << cameras->config().cameras.size() << " cameras, " << power->config().hubTimers.size()
            << " hub timers; sections:";
        for (const auto& domain : file->domains) {
            out << " " << domain.name;
        }
        out << ")\n";
        return 0;
    }
    auto field = parsed->require("field");
    if (!field) {
        err << "sekimori: " << field.error().message << "\n" << kUsage;
        return 2;
    }
    const SitePaths paths = sitePaths(*config);
    if (*field == "site.id") {
        out << config->site.id << "\n";
    } else if (*field == "panels") {
        out << panels(doors) << "\n";
    } else if (*field == "devices") {
        out << devices(file->section<custody::CustodyConfigSection>()->config()) << "\n";
    } else if (*field == "mqtt.port") {
        out << mqttPort(*config) << "\n";
    } else if (*field == "console.listen") {
        out << config->daemon.consoleListen << "\n";
    } else if (*field == "data_dir") {
        out << config->daemon.dataDir.string() << "\n";
    } else if (*field == "key_dir") {
        out << config->daemon.keyDir.string() << "\n";
    } else if (*field == "database") {
        out << paths.database.string() << "\n";
    } else if (*field == "initial_admin_file") {
        out << paths.initialAdminFile.string() << "\n";
    } else {
        err << "sekimori: unknown field '" << *field << "'\n" << kUsage;
        return 2;
    }
    return 0;
}

}  // namespace sekimori::app
