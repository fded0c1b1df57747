#pragma once
// The console's reads of the audit trail: GET /api/events (history, only the types the role may
// see, the same rules as the live stream) and GET /api/audit/checkpoints. Queries run through
// the DbWorker, never on the io thread.
#include <memory>

#include "console/console_context.hpp"
#include "console/router.hpp"

namespace sekimori::console {

// Who may open the live event stream and read the event history: every role, because each sees
// only the types the visibility rules admit it to (a role no rule names sees nothing).
inline constexpr RoleSet kEventReaders = RoleSet::all();
inline constexpr RoleSet kAuditReaders{Role::auditor, Role::securityAdmin};

core::Result<void> addAuditRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context);

}  // namespace sekimori::console
