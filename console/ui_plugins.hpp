#pragma once
// The UI plugins services bring: each a directory of files served under /plugins/<name>/ and an
// ES module entry the web shell imports for the roles the plugin names. Filled before the
// console starts and read-only afterwards (the pool reads it too).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "console/roles.hpp"
#include "core/result.hpp"
#include "core/service.hpp"

namespace sekimori::console {

inline constexpr std::string_view kPluginsPrefix = "/plugins/";

class UiPlugins {
  public:
    // An error when the name is not an id, is taken, admits no role, or the entry is not a
    // servable path.
    core::Result<void> add(core::UiPlugin plugin);
    const core::UiPlugin* find(std::string_view name) const;
    // {"plugins": [{"name", "entry": "/plugins/<name>/<entry>"}]} for the plugins `role` may load.
    nlohmann::json listFor(Role role) const;
    std::size_t size() const { return plugins_.size(); }
    const std::vector<core::UiPlugin>& all() const { return plugins_; }

  private:
    std::vector<core::UiPlugin> plugins_;
};

}  // namespace sekimori::console
