#pragma once
// One domain as the daemon runs it (doors, health, cameras, power, ...). app/ builds each
// service in its <domain>_wiring.cpp from that domain's config section and the shared parts
// (recorder, bus, MQTT router, clock); the console asks every service for its routes, which
// event types each role may watch, and its page in the shell. A new domain adds its folder and
// one wiring file; it edits neither core, io, console nor another domain.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_route.hpp"
#include "core/result.hpp"
#include "core/roles.hpp"

namespace sekimori::core {

// Roles that may receive events whose type starts with `typePrefix` ("door.", "access.") on
// the console's live stream. A type no rule admits reaches nobody.
struct EventVisibility {
    std::string typePrefix;
    RoleSet roles;
};

// Files the console serves under /plugins/<name>/ and the shell loads as an ES module for the
// roles given (a page, a status card).
struct UiPlugin {
    std::string name;              // id syntax; also the URL segment
    std::filesystem::path webDir;  // directory of the plugin's files
    std::string entry = "index.js";
    RoleSet roles;
};

class Service {
  public:
    virtual ~Service() = default;
    virtual std::string_view name() const = 0;
    // On the io thread (or before it runs): subscribes to its MQTT topics, arms its timers.
    virtual Result<void> start() = 0;
    // On the io thread: cancels everything; no handler of the service runs after it returns.
    virtual void stop() = 0;

    virtual std::vector<ApiRoute> routes() { return {}; }
    virtual std::vector<EventVisibility> eventVisibility() { return {}; }
    virtual std::optional<UiPlugin> uiPlugin() { return std::nullopt; }
};

}  // namespace sekimori::core
