#pragma once
// The audit schema contract (docs/audit.md, "Schema contract"): exactly the objects listed here
// may exist on the audit tables. Someone who can write the database file could otherwise make
// the appender lie without touching a row — a trigger that drops inserts (RAISE(IGNORE)) or
// rewrites them, a view in the table's place, a changed column definition, an index on an
// expression. The daemon refuses to start on such a schema, and `audit verify` reports it.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

// The exact definitions the migration writes (SQLite keeps this text in sqlite_master.sql).
inline constexpr std::string_view kAuditEventsTableSql =
    "CREATE TABLE audit_events(seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
    " type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT NULL,"
    " payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL)";
inline constexpr std::string_view kAuditCheckpointsTableSql =
    "CREATE TABLE audit_checkpoints(tree_size INTEGER PRIMARY KEY,"
    " head_hash BLOB NOT NULL, time_us INTEGER NOT NULL, signature BLOB NOT NULL)";

struct AuditSchemaObject {
    std::string type;  // table, index, view, trigger
    std::string name;
    std::string sql;  // the listed definition
};
// Every object the contract lists: today the two tables, nothing else (no index, no trigger,
// no view). A new object is added here and in docs/audit.md, together.
const std::vector<AuditSchemaObject>& auditSchemaContract();

// What is wrong with the audit schema, one line each: an object named audit_*, or attached to
// an audit table, or a trigger or view anywhere whose SQL mentions an audit table, that the
// contract does not list; a listed table whose definition differs; a listed table missing.
Result<std::vector<std::string>> findAuditSchemaViolations(Database& db);

// findAuditSchemaViolations as an error (code audit.schema_tampered) naming every violation.
Result<void> requireAuditSchemaContract(Database& db);

}  // namespace sekimori::core
