#pragma once
// Login, logout and "who am I", and the session check every other route goes through. A
// session is live while its token is known, not idle too long, and its account still enabled;
// the account is looked up on the pool, never on the io thread.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "console/console_context.hpp"
#include "console/router.hpp"

namespace sekimori::console {

// POST /api/login, POST /api/logout, GET /api/me.
core::Result<void> addAuthRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context);

// Calls done on the io thread with the live session for `token`, or nothing. An account
// disabled (or removed) since login loses all its sessions here.
void authenticate(const std::shared_ptr<ConsoleContext>& context, const std::string& token,
                  std::function<void(std::optional<SessionInfo>)> done);

}  // namespace sekimori::console
