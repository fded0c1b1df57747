#pragma once
// Row digests (docs/audit.md, "Row digests"): the authorization state (credential and operator
// rows) lives outside the hash chain, so every change of such a row records, in the payload of
// the event that made it, the SHA-256 of the row as it is afterwards. The daemon at start and
// `sekimori audit verify` recompute the digest of every row of an audited table and compare it
// with the newest one the trail names: a row swapped, inserted or edited behind the daemon's
// back no longer matches.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

// Domain tag that starts every row encoding.
inline constexpr std::string_view kRowDigestTag = "sekimori.row.v1";
// The payload member (one object, or an array of them for a change of several rows).
inline constexpr std::string_view kRowDigestMember = "row_digest";

// A table whose rows decide who gets in or who may log in, and the columns that name a row.
// Key values are compared as text (SQLite's affinity converts them for an INTEGER column).
struct AuditedTable {
    std::string table;
    std::vector<std::string> keyColumns;
};

// The canonical encoding of one row: lp("sekimori.row.v1") lp(table), then every column in
// PRAGMA table_info order: lp(column name), one type byte (0 null, 1 integer, 2 real, 3 text,
// 4 blob), then the value (integer: 8 bytes BE two's complement; real: 8 bytes BE IEEE 754;
// text/blob: lp(bytes); null: nothing). lp = u32 BE byte length, then the bytes.
enum class RowValueType : std::uint8_t { null = 0, integer = 1, real = 2, text = 3, blob = 4 };
struct RowColumnValue {
    std::string column;
    RowValueType type = RowValueType::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string bytes;  // text or blob
};
Bytes encodeRow(std::string_view table, const std::vector<RowColumnValue>& columns);
Hash rowDigest(std::string_view table, const std::vector<RowColumnValue>& columns);

// The digest of the row with that key as it is now (inside the caller's transaction when called
// on the writer); nullopt when no row has that key. Errors: an unknown table or column, or a
// key of the wrong length.
Result<std::optional<Hash>> digestRow(Database& db, const AuditedTable& table,
                                      const std::vector<std::string>& key);

// Every row of the table: its key (as text, in keyColumns order) and digest.
struct DigestedRow {
    std::vector<std::string> key;
    Hash digest{};
};
Result<std::vector<DigestedRow>> digestAllRows(Database& db, const AuditedTable& table);

// The payload member every change of an audited row carries:
//   "row_digest": {"table":"cards","key":["0123ABCD"],"digest":"<64 hex>"|null}
// (null: the change deleted the row).
nlohmann::json rowDigestJson(const AuditedTable& table, const std::vector<std::string>& key,
                             const std::optional<Hash>& digest);

}  // namespace sekimori::core
