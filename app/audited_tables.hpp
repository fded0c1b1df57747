#pragma once
// The rows that decide who gets in and who may log in, compared with their digests in the
// trail: what `sekimori audit verify` checks (app/audit_command.cpp) and what the console's
// POST /api/audit/verify checks in the daemon, from one list.
#include <vector>

#include "console/operator_store.hpp"
#include "core/row_digest.hpp"
#include "doors/credential_store.hpp"

namespace sekimori::app {

inline std::vector<core::AuditedTable> auditedTables() {
    std::vector<core::AuditedTable> tables = doors::kAuditedTables();
    const auto& operators = console::kAuditedTables();
    tables.insert(tables.end(), operators.begin(), operators.end());
    return tables;
}

}  // namespace sekimori::app
