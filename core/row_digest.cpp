#include "core/row_digest.hpp"

#include <sqlite3.h>

#include <bit>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

namespace sekimori::core {
namespace {

void putU32(Bytes& out, std::uint32_t v) {
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                           static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(bytes, sizeof bytes);
}

void putU64(Bytes& out, std::uint64_t v) {
    putU32(out, static_cast<std::uint32_t>(v >> 32));
    putU32(out, static_cast<std::uint32_t>(v));
}

void putString(Bytes& out, std::string_view s) {
    putU32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

// Table and column names come from code (the domains' kAuditedTables), never from input; they
// are still checked, since they are spliced into SQL as quoted identifiers.
bool isPlainIdentifier(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Result<void> checkTable(const AuditedTable& table) {
    if (!isPlainIdentifier(table.table) || table.keyColumns.empty()) {
        return makeError("row_digest.table",
                         "audited table '" + table.table + "' needs a plain name and key columns");
    }
    for (const auto& column : table.keyColumns) {
        if (!isPlainIdentifier(column)) {
            return makeError("row_digest.table", "audited table " + table.table + ": key column '" +
                                                     column + "' is not a plain name");
        }
    }
    return {};
}

struct StatementDeleter {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using RawStatement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// The Statement wrapper does not expose column names and types, which the encoding needs.
Result<RawStatement> prepareRaw(Database& db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &stmt,
                           nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return makeError("row_digest.sql", sql + ": " + sqlite3_errmsg(db.handle()));
    }
    return RawStatement(stmt);
}

std::vector<RowColumnValue> readColumns(sqlite3_stmt* stmt, int first) {
    const int count = sqlite3_column_count(stmt);
    std::vector<RowColumnValue> columns;
    columns.reserve(static_cast<std::size_t>(count - first));
    for (int i = first; i < count; ++i) {
        RowColumnValue v;
        v.column = sqlite3_column_name(stmt, i);
        switch (sqlite3_column_type(stmt, i)) {
            case SQLITE_INTEGER:
                v.type = RowValueType::integer;
                v.integer = sqlite3_column_int64(stmt, i);
                break;
            case SQLITE_FLOAT:
                v.type = RowValueType::real;
                v.real = sqlite3_column_double(stmt, i);
                break;
            case SQLITE_TEXT: {
                v.type = RowValueType::text;
                const auto* text = sqlite3_column_text(stmt, i);
                v.bytes.assign(reinterpret_cast<const char*>(text),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
                break;
            }
            case SQLITE_BLOB: {
                v.type = RowValueType::blob;
                const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, i));
                v.bytes.assign(blob == nullptr ? "" : blob,
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
                break;
            }
            default:
                v.type = RowValueType::null;
                break;
        }
        columns.push_back(std::move(v));
    }
    return columns;
}

// "SELECT <keys as text>, * FROM t": the leading key copies name the row; "*" lists every
// column in PRAGMA table_info order (the encoding's order).
std::string selectSql(const AuditedTable& table) {
    std::string sql = "SELECT ";
    for (const auto& key : table.keyColumns) {
        sql += "CAST(\"" + key + "\" AS TEXT), ";
    }
    sql += "* FROM \"" + table.table + "\"";
    return sql;
}

}  // namespace

Bytes encodeRow(std::string_view table, const std::vector<RowColumnValue>& columns) {
    Bytes out;
    putString(out, kRowDigestTag);
    putString(out, table);
    for (const auto& c : columns) {
        putString(out, c.column);
        out.push_back(static_cast<char>(c.type));
        switch (c.type) {
            case RowValueType::null:
                break;
            case RowValueType::integer:
                putU64(out, static_cast<std::uint64_t>(c.integer));
                break;
            case RowValueType::real:
                putU64(out, std::bit_cast<std::uint64_t>(c.real));
                break;
            case RowValueType::text:
            case RowValueType::blob:
                putString(out, c.bytes);
                break;
        }
    }
    return out;
}

Hash rowDigest(std::string_view table, const std::vector<RowColumnValue>& columns) {
    return sha256(encodeRow(table, columns));
}

Result<std::optional<Hash>> digestRow(Database& db, const AuditedTable& table,
                                      const std::vector<std::string>& key) {
    if (auto r = checkTable(table); !r) {
        return r.error();
    }
    if (key.size() != table.keyColumns.size()) {
        return makeError("row_digest.key", "table " + table.table + " is keyed by " +
                                               std::to_string(table.keyColumns.size()) +
                                               " columns, got " + std::to_string(key.size()));
    }
    std::string sql = selectSql(table) + " WHERE ";
    for (std::size_t i = 0; i < table.keyColumns.size(); ++i) {
        sql += (i == 0 ? "\"" : " AND \"") + table.keyColumns[i] + "\" = ?" + std::to_string(i + 1);
    }
    auto stmt = prepareRaw(db, sql);
    if (!stmt) {
        return stmt.error();
    }
    for (std::size_t i = 0; i < key.size(); ++i) {
        sqlite3_bind_text(stmt->get(), static_cast<int>(i + 1), key[i].data(),
                          static_cast<int>(key[i].size()), SQLITE_TRANSIENT);
    }
    const int rc = sqlite3_step(stmt->get());
    if (rc == SQLITE_DONE) {
        return std::optional<Hash>();
    }
    if (rc != SQLITE_ROW) {
        return makeError("row_digest.sql", table.table + ": " + sqlite3_errmsg(db.handle()));
    }
    const auto columns = readColumns(stmt->get(), static_cast<int>(table.keyColumns.size()));
    return std::optional<Hash>(rowDigest(table.table, columns));
}

Result<std::vector<DigestedRow>> digestAllRows(Database& db, const AuditedTable& table) {
    if (auto r = checkTable(table); !r) {
        return r.error();
    }
    auto stmt = prepareRaw(db, selectSql(table));
    if (!stmt) {
        return stmt.error();
    }
    const int keys = static_cast<int>(table.keyColumns.size());
    std::vector<DigestedRow> rows;
    for (;;) {
        const int rc = sqlite3_step(stmt->get());
        if (rc == SQLITE_DONE) {
            break;
        }
        if (rc != SQLITE_ROW) {
            return makeError("row_digest.sql", table.table + ": " + sqlite3_errmsg(db.handle()));
        }
        DigestedRow row;
        for (int i = 0; i < keys; ++i) {
            const auto* text = sqlite3_column_text(stmt->get(), i);
            row.key.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text),
                                 static_cast<std::size_t>(sqlite3_column_bytes(stmt->get(), i)));
        }
        row.digest = rowDigest(table.table, readColumns(stmt->get(), keys));
        rows.push_back(std::move(row));
    }
    return rows;
}

nlohmann::json rowDigestJson(const AuditedTable& table, const std::vector<std::string>& key,
                             const std::optional<Hash>& digest) {
    nlohmann::json j;
    j["table"] = table.table;
    j["key"] = key;
    j["digest"] = digest ? nlohmann::json(toHex(*digest)) : nlohmann::json(nullptr);
    return j;
}

}  // namespace sekimori::core
