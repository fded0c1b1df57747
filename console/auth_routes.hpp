#pragma once
// Login, logout, "who am I" and the own password change, and the session check every other
// route goes through. A session is live while its token is known, not idle too long, younger
// than its lifetime, and its account unchanged: enabled, same role, and its row the one the
// audit trail recorded. The account is looked up on the pool, never on the io thread; password
// hashes run in the bounded password-work queue.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "console/console_context.hpp"
#include "console/router.hpp"

namespace sekimori::console {

// The route a session that must change its password may still use (besides logout and me).
inline constexpr std::string_view kPasswordRoute = "/api/session/password";

// POST /api/login, POST /api/logout, GET /api/me, POST /api/session/password.
core::Result<void> addAuthRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context);

// Calls done on the io thread with the live session for `token`, or nothing. A session whose
// account was disabled, removed, changed role or no longer matches the trail ends here (all
// sessions of that account, with their streams).
void authenticate(const std::shared_ptr<ConsoleContext>& context, const std::string& token,
                  std::function<void(std::optional<SessionInfo>)> done);

// Whether a session that must still change its password may call this route.
bool allowedBeforePasswordChange(http::verb method, std::string_view pattern);

}  // namespace sekimori::console
