#include "doors/credential_journal.hpp"

namespace sekimori::doors {
namespace {

std::string keyValues(const core::AuditedTable& table, const char* row) {
    std::string values;
    for (std::size_t i = 0; i < 3; ++i) {
        values += i == 0 ? "" : ", ";
        values += i < table.keyColumns.size()
                      ? std::string("CAST(") + row + "." + table.keyColumns[i] + " AS TEXT)"
                      : std::string("NULL");
    }
    return values;
}

std::string journalInsert(const core::AuditedTable& table, const char* row) {
    return "INSERT INTO door_change_journal(table_name, k1, k2, k3) VALUES('" + table.table +
           "', " + keyValues(table, row) + ");";
}

}  // namespace

std::vector<std::string> journalTriggerNames(const core::AuditedTable& table) {
    return {table.table + "_INSERT_journal", table.table + "_UPDATE_journal",
            table.table + "_DELETE_journal"};
}

std::vector<std::string> journalTriggerStatements(const core::AuditedTable& table) {
    const auto names = journalTriggerNames(table);
    return {"CREATE TRIGGER " + names[0] + " AFTER INSERT ON " + table.table + " BEGIN " +
                journalInsert(table, "NEW") + " END",
            "CREATE TRIGGER " + names[1] + " AFTER UPDATE ON " + table.table + " BEGIN " +
                journalInsert(table, "OLD") + " " + journalInsert(table, "NEW") + " END",
            "CREATE TRIGGER " + names[2] + " AFTER DELETE ON " + table.table + " BEGIN " +
                journalInsert(table, "OLD") + " END"};
}

std::string journalTriggersSql(const core::AuditedTable& table) {
    std::string sql;
    for (const auto& statement : journalTriggerStatements(table)) {
        sql += statement + ";";
    }
    return sql;
}

core::Result<JournalReader> JournalReader::prepare(core::Database& db) {
    JournalReader reader;
    const std::pair<core::Statement*, const char*> all[] = {
        {&reader.after_,
         "SELECT seq, table_name, k1, k2, k3 FROM door_change_journal WHERE seq > ?1"
         " ORDER BY seq"},
        {&reader.head_, "SELECT coalesce(max(seq), 0) FROM door_change_journal"},
        {&reader.schemaVersion_, "PRAGMA schema_version"},
        {&reader.trigger_,
         "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1"
         " AND sql = ?2"},
    };
    for (const auto& [statement, sql] : all) {
        auto prepared = db.prepare(sql);
        if (!prepared) {
            return prepared.error();
        }
        *statement = std::move(*prepared);
    }
    return reader;
}

core::Result<std::vector<JournalEntry>> JournalReader::after(std::int64_t seq) {
    after_.bind(1, seq);
    std::vector<JournalEntry> entries;
    for (;;) {
        auto row = after_.step();
        if (!row) {
            after_.reset();
            return row.error();
        }
        if (!*row) {
            break;
        }
        JournalEntry e;
        e.seq = after_.columnInt(0);
        e.table = after_.columnText(1);
        for (int column = 2; column <= 4; ++column) {
            if (!after_.columnIsNull(column)) {
                e.key.push_back(after_.columnText(column));
            }
        }
        entries.push_back(std::move(e));
    }
    after_.reset();
    return entries;
}

namespace {

core::Result<std::int64_t> single(core::Statement& s) {
    auto row = s.step();
    if (!row || !*row) {
        s.reset();
        return row ? core::makeError("doors.journal", "query returned no row") : row.error();
    }
    const std::int64_t n = s.columnInt(0);
    s.reset();
    return n;
}

}  // namespace

core::Result<std::int64_t> JournalReader::head() {
    return single(head_);
}

core::Result<std::int64_t> JournalReader::schemaVersion() {
    return single(schemaVersion_);
}

core::Result<bool> JournalReader::triggersPresent(const std::vector<core::AuditedTable>& tables) {
    for (const auto& table : tables) {
        for (const auto& statement : journalTriggerStatements(table)) {
            trigger_.bind(1, table.table).bind(2, statement);
            auto n = single(trigger_);
            if (!n) {
                return n.error();
            }
            if (*n != 1) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace sekimori::doors
