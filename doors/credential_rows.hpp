#pragma once
// The doors' audited credential rows as the cache reads them: each row with its key and its
// digest (core/row_digest.hpp encoding, computed from the same read), for a whole table, or for
// one person, one card or one group (the incremental reload), and how a row folds into the
// snapshot's records.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/row_digest.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_snapshot.hpp"

struct sqlite3_stmt;

namespace sekimori::doors {

// In kAuditedTables() order.
enum class CredentialTable : std::size_t {
    people,
    cards,
    pins,
    fingerprints,
    grants,
    details,
    backupFingerprints,
    groupMembers,
    levelAssignments,
    keypadCodes,
    offlinePins,
    personWeights,
};
inline constexpr std::size_t kCredentialTableCount = 12;
const core::AuditedTable& auditedTable(CredentialTable table);
std::optional<CredentialTable> credentialTableNamed(std::string_view name);

// A row's key as one string: the key columns' text joined by U+001F (ids never hold it).
std::string encodeKey(const std::vector<std::string>& key);
std::vector<std::string> decodeKey(const std::string& encoded);

struct RowRef {
    CredentialTable table;
    std::string key;  // encodeKey
    bool operator<(const RowRef& other) const {
        return table != other.table ? table < other.table : key < other.key;
    }
};

struct AuditedRow {
    CredentialTable table;
    std::string key;  // encodeKey
    core::Hash digest{};
    std::vector<core::RowColumnValue> columns;  // PRAGMA table_info order
    // Column i as text/blob bytes, or as an integer (0 / empty when absent or of another type).
    const std::string& text(std::size_t i) const;
    std::int64_t integer(std::size_t i) const;
};

// Who a row belongs to in the snapshot.
struct RowOwner {
    enum class Kind { person, card, group } kind;
    std::string id;
};
RowOwner ownerOf(CredentialTable table, const std::vector<std::string>& key);
// The person a refused row belongs to (credential.row_mismatch's subject), or empty: a card's
// holder column is not trusted, and a group's level names no person.
std::string mismatchSubject(const core::RowDigestMismatch& mismatch);

class AuditedRows {
  public:
    static core::Result<std::unique_ptr<AuditedRows>> prepare(core::Database& db);
    ~AuditedRows();
    AuditedRows(const AuditedRows&) = delete;
    AuditedRows& operator=(const AuditedRows&) = delete;

    using Visit = std::function<void(const AuditedRow&)>;
    core::Result<void> all(CredentialTable table, const Visit& visit);
    // Every row of the tables a person's record is made of (people, pins, fingerprints,
    // details, second finger, keypad code, grants, group memberships, levels held by them).
    core::Result<void> ofPerson(const std::string& person, const Visit& visit);
    core::Result<void> ofCard(const std::string& uid, const Visit& visit);
    core::Result<void> ofGroup(const std::string& group, const Visit& visit);

  private:
    explicit AuditedRows(core::Database& db) : db_(db) {}
    core::Result<void> scan(sqlite3_stmt* stmt, CredentialTable table, const std::string* bound,
                            const Visit& visit);

    core::Database& db_;
    std::vector<sqlite3_stmt*> all_;                                     // by table
    std::vector<std::pair<CredentialTable, sqlite3_stmt*>> personRows_;  // ?1 = person
    sqlite3_stmt* cardRow_ = nullptr;
    sqlite3_stmt* groupRows_ = nullptr;
    AuditedRow row_;  // reused per row
};

// Folding a checked row into a record (the columns of each table, in order).
void foldIntoPerson(PersonRecord& person, const AuditedRow& row);
CardRecord cardFrom(const AuditedRow& row);
LevelAssignment levelFrom(const AuditedRow& row);

}  // namespace sekimori::doors
