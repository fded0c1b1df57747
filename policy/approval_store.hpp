#pragma once
// The approvals table: one row per request, its state and who decided. Prepared SQL only; the
// engine calls the writes inside its Changes (writer connection), the routes the reads on their
// own connections. The id "apr-<n>" is the row's never-reused AUTOINCREMENT key.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::policy {

core::Result<void> migrateApprovalStore(core::Database& db);

// "apr-<n>" <-> n; nullopt for anything else.
std::optional<std::int64_t> approvalNumber(const std::string& id);
std::string approvalId(std::int64_t number);

// Inserts a pending request (its id is ignored) and returns its id.
core::Result<std::string> insertApproval(core::Database& db, const ApprovalRequest& request);
core::Result<std::optional<ApprovalRequest>> readApproval(core::Database& db,
                                                          const std::string& id);
// Moves a pending request to `state` (approved, rejected, expired); an error when it was no
// longer pending (the caller re-read it in the same transaction, so this is a bug guard).
core::Result<void> decideApproval(core::Database& db, const ApprovalRequest& decided);
// Newest first; empty filters match everything.
core::Result<std::vector<ApprovalRequest>> listApprovals(core::Database& db,
                                                         const std::string& state,
                                                         const std::string& kind,
                                                         std::size_t limit);
// Every pending request's (id, expires_us), for the sweep.
core::Result<std::vector<std::pair<std::string, core::TimeUs>>> pendingExpiries(core::Database& db);

}  // namespace sekimori::policy
