#pragma once
// The console's reads of the audit trail and its checks: GET /api/events (search and paging
// over the whole trail, only the types the role may see, the same rules as the live stream),
// GET /api/events.csv (the same search streamed as CSV, recorded first as
// console.events_exported), GET /api/audit/checkpoints, GET /api/audit/status and
// POST /api/audit/verify (recorded as audit.verified). Queries run through the DbWorker, the
// export and the verifier on the pool, never on the io thread.
#include <memory>

#include "console/console_context.hpp"
#include "console/router.hpp"

namespace sekimori::console {

// Who may open the live event stream and read the event history: every role, because each sees
// only the types the visibility rules admit it to (a role no rule names sees nothing).
inline constexpr RoleSet kEventReaders = RoleSet::all();
inline constexpr RoleSet kAuditReaders{Role::auditor, Role::securityAdmin};
// Who may take the trail off the site as a file (each still only the types it may see).
inline constexpr RoleSet kEventExporters{Role::deskOperator, Role::securityAdmin, Role::auditor};
// The most rows one export holds; narrow the filter for more.
inline constexpr std::size_t kMaxExportRows = 100'000;

core::Result<void> addAuditRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context);

}  // namespace sekimori::console
