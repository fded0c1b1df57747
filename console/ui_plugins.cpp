#include "console/ui_plugins.hpp"

#include "console/static_files.hpp"

namespace sekimori::console {
namespace {

// The id syntax used across the site: 1..64 chars of [a-z0-9_-].
bool isId(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

}  // namespace

core::Result<void> UiPlugins::add(core::UiPlugin plugin) {
    if (!isId(plugin.name)) {
        return core::makeError("console.bad_plugin",
                               "UI plugin '" + plugin.name + "': name must be 1..64 of [a-z0-9_-]");
    }
    if (find(plugin.name)) {
        return core::makeError("console.bad_plugin",
                               "UI plugin '" + plugin.name + "' is declared twice");
    }
    if (plugin.roles.names().empty()) {
        return core::makeError("console.bad_plugin",
                               "UI plugin '" + plugin.name + "' admits no role");
    }
    if (!isServablePath(plugin.entry) || !plugin.entry.ends_with(".js")) {
        return core::makeError("console.bad_plugin", "UI plugin '" + plugin.name + "': entry '" +
                                                         plugin.entry +
                                                         "' must be a .js path inside its "
                                                         "directory");
    }
    plugins_.push_back(std::move(plugin));
    return {};
}

const core::UiPlugin* UiPlugins::find(std::string_view name) const {
    for (const auto& p : plugins_) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

nlohmann::json UiPlugins::listFor(Role role) const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : plugins_) {
        if (p.roles.contains(role)) {
            list.push_back({{"name", p.name},
                            {"entry", std::string(kPluginsPrefix) + p.name + "/" + p.entry}});
        }
    }
    return nlohmann::json{{"plugins", std::move(list)}};
}

}  // namespace sekimori::console
