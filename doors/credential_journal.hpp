#pragma once
// The change journal (doors migration 5): a trigger on every insert, update and delete of an
// audited credential table writes (table, key) into door_change_journal, whoever writes, so the
// credential cache re-reads and re-checks only the rows that changed instead of reloading two
// million people. An update writes the old and the new key. Seqs are consecutive
// (AUTOINCREMENT, rolled back with their transaction), so a deleted journal row leaves a hole
// the reader sees; the journal keeps its newest kJournalKeep entries (a reader further behind
// reloads in full). Writes that bypass the triggers (a dropped trigger: the schema version
// moves; triggers disabled on the writer's connection: nothing moves) are caught by the full
// verified reload (CredentialCacheOptions::fullReloadInterval).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/row_digest.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::doors {

inline constexpr std::int64_t kJournalKeep = 100000;

inline constexpr std::string_view kJournalTableSql =
    "CREATE TABLE door_change_journal(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " table_name TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT, k3 TEXT);"
    "CREATE TRIGGER door_change_journal_keep AFTER INSERT ON door_change_journal"
    " BEGIN DELETE FROM door_change_journal WHERE seq <= NEW.seq - 100000; END;";

// CREATE TRIGGER <table>_<INSERT|UPDATE|DELETE>_journal ... for one audited table.
std::string journalTriggersSql(const core::AuditedTable& table);
// The names of the three triggers of a table, and their CREATE statements as sqlite_master
// keeps them (a trigger of that name doing something else is not the journal's).
std::vector<std::string> journalTriggerNames(const core::AuditedTable& table);
std::vector<std::string> journalTriggerStatements(const core::AuditedTable& table);

struct JournalEntry {
    std::int64_t seq = 0;
    std::string table;
    std::vector<std::string> key;
};

// Reads the journal on the cache's read-only connection (inside its read transaction).
class JournalReader {
  public:
    static core::Result<JournalReader> prepare(core::Database& db);
    // Entries after `seq`, in order.
    core::Result<std::vector<JournalEntry>> after(std::int64_t seq);
    // max(seq), 0 when empty.
    core::Result<std::int64_t> head();
    // PRAGMA schema_version: moves when a trigger (or anything in the schema) is dropped/added.
    core::Result<std::int64_t> schemaVersion();
    // Every journal trigger of `tables` is present, as written (a missing or changed one:
    // incremental updates cannot be trusted until it is back; the cache reloads in full on every
    // change).
    core::Result<bool> triggersPresent(const std::vector<core::AuditedTable>& tables);

  private:
    core::Statement after_, head_, schemaVersion_, trigger_;
};

}  // namespace sekimori::doors
