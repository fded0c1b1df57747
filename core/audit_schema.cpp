#include "core/audit_schema.hpp"

#include <algorithm>

namespace sekimori::core {

const std::vector<AuditSchemaObject>& auditSchemaContract() {
    static const std::vector<AuditSchemaObject> contract{
        {"table", "audit_events", std::string(kAuditEventsTableSql)},
        {"table", "audit_checkpoints", std::string(kAuditCheckpointsTableSql)},
    };
    return contract;
}

Result<std::vector<std::string>> findAuditSchemaViolations(Database& db) {
    // LIKE is case-insensitive for ASCII, as SQLite's identifiers are. The '%audit\_%' test on
    // triggers and views anywhere catches a trigger on a domain table that writes the trail.
    auto select = db.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master"
        " WHERE name LIKE 'audit\\_%' ESCAPE '\\' OR tbl_name LIKE 'audit\\_%' ESCAPE '\\'"
        " OR (type IN ('trigger', 'view') AND sql LIKE '%audit\\_%' ESCAPE '\\')"
        " ORDER BY type, name");
    if (!select) {
        return select.error();
    }
    const auto& contract = auditSchemaContract();
    std::vector<std::string> seen;
    std::vector<std::string> violations;
    for (;;) {
        auto row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const std::string type = select->columnText(0);
        const std::string name = select->columnText(1);
        const std::string table = select->columnText(2);
        const std::string sql = select->columnText(3);
        const auto listed = std::find_if(contract.begin(), contract.end(), [&](const auto& c) {
            return c.type == type && c.name == name;
        });
        if (listed == contract.end()) {
            violations.push_back(type + " " + name + (table != name ? " on " + table : "") +
                                 " is not in the audit schema contract: " + sql);
            continue;
        }
        seen.push_back(name);
        if (sql != listed->sql) {
            violations.push_back(type + " " + name +
                                 " differs from the audit schema contract: " + sql);
        }
    }
    for (const auto& c : contract) {
        if (std::find(seen.begin(), seen.end(), c.name) == seen.end()) {
            violations.push_back(c.type + " " + c.name + " is missing");
        }
    }
    return violations;
}

Result<void> requireAuditSchemaContract(Database& db) {
    auto violations = findAuditSchemaViolations(db);
    if (!violations) {
        return violations.error();
    }
    if (violations->empty()) {
        return {};
    }
    std::string message = db.path() +
                          ": the audit schema holds objects the contract does not "
                          "list (docs/audit.md, \"Schema contract\"); refusing to "
                          "append:";
    for (const auto& v : *violations) {
        message += "\n  " + v;
    }
    return makeError("audit.schema_tampered", message);
}

}  // namespace sekimori::core
