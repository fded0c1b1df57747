#pragma once
// Which roles may see which event types, on /ws/events and GET /api/events: the union of the
// rules the console declares for its own events and those every service declares. A type that
// no rule admits reaches nobody.
#include <string>
#include <string_view>
#include <vector>

#include "console/roles.hpp"
#include "core/service.hpp"

namespace sekimori::console {

class EventVisibilityRules {
  public:
    // The console's own: operator.*, console.*, audit.*, daemon.*, mqtt.*.
    static std::vector<core::EventVisibility> consoleRules();

    void add(core::EventVisibility rule);
    bool admits(Role role, std::string_view type) const;
    // The prefixes `role` may see (for filtering history in SQL), without duplicates.
    std::vector<std::string> prefixesFor(Role role) const;
    const std::vector<core::EventVisibility>& rules() const { return rules_; }

  private:
    std::vector<core::EventVisibility> rules_;
};

}  // namespace sekimori::console
