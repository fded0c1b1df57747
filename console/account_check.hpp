#pragma once
// An operator account as a session depends on it: its row, and whether that row is the one
// the audit trail recorded. Read on the console's database strand; the verdict says whether a
// session (or a login) may go on.
#include <optional>
#include <string>
#include <string_view>

#include "console/operator_store.hpp"
#include "console/operator_trail.hpp"
#include "console/session_store.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

struct AccountState {
    std::optional<OperatorRecord> record;  // nothing: no such operator
    RowTrust trust;                        // meaningful when record is set
};

// On the database strand: the row and its trust.
core::Result<AccountState> readAccount(core::Database& db, OperatorTrail& trail,
                                       std::string_view name);

// Why a session of this account must end now, or nothing: "removed", "disabled",
// "role_changed", "row_mismatch".
std::optional<std::string_view> sessionEndReason(const SessionInfo& session,
                                                 const AccountState& account);

}  // namespace sekimori::console
