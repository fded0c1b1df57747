#include "doors/credential_rows.hpp"

#include <sqlite3.h>

#include "doors/credential_store.hpp"

namespace sekimori::doors {
namespace {

constexpr char kKeySeparator = '\x1f';

// The where-clause of each table's rows of one person (?1).
struct PersonScope {
    CredentialTable table;
    const char* where;
};
constexpr PersonScope kPersonScopes[] = {
    {CredentialTable::people, "id = ?1"},
    {CredentialTable::details, "person = ?1"},
    {CredentialTable::pins, "person = ?1"},
    {CredentialTable::fingerprints, "person = ?1"},
    {CredentialTable::backupFingerprints, "person = ?1"},
    {CredentialTable::keypadCodes, "person = ?1"},
    {CredentialTable::offlinePins, "person = ?1"},
    {CredentialTable::personWeights, "person = ?1"},
    {CredentialTable::grants, "person = ?1"},
    {CredentialTable::groupMembers, "person = ?1"},
    {CredentialTable::levelAssignments, "holder_kind = 'person' AND holder = ?1"},
};

// "SELECT <keys as text>, * FROM t [WHERE ...]", as core::digestAllRows reads a row: the key
// copies name it, "*" lists every column in PRAGMA table_info order (the encoding's order).
std::string selectSql(const core::AuditedTable& table, const char* where) {
    std::string sql = "SELECT ";
    for (const auto& key : table.keyColumns) {
        sql += "CAST(\"" + key + "\" AS TEXT), ";
    }
    sql += "* FROM \"" + table.table + "\"";
    if (where != nullptr) {
        sql += std::string(" WHERE ") + where;
    }
    return sql;
}

core::Result<sqlite3_stmt*> prepareRaw(core::Database& db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db.handle(), sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return core::makeError("doors.rows", sql + ": " + sqlite3_errmsg(db.handle()));
    }
    return stmt;
}

void readColumn(sqlite3_stmt* stmt, int i, core::RowColumnValue& v) {
    v.column = sqlite3_column_name(stmt, i);
    v.integer = 0;
    v.real = 0;
    v.bytes.clear();
    switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
            v.type = core::RowValueType::integer;
            v.integer = sqlite3_column_int64(stmt, i);
            break;
        case SQLITE_FLOAT:
            v.type = core::RowValueType::real;
            v.real = sqlite3_column_double(stmt, i);
            break;
        case SQLITE_TEXT: {
            v.type = core::RowValueType::text;
            const auto* text = sqlite3_column_text(stmt, i);
            v.bytes.assign(reinterpret_cast<const char*>(text),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
            break;
        }
        case SQLITE_BLOB: {
            v.type = core::RowValueType::blob;
            const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, i));
            v.bytes.assign(blob == nullptr ? "" : blob,
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
            break;
        }
        default:
            v.type = core::RowValueType::null;
            break;
    }
}

}  // namespace

const core::AuditedTable& auditedTable(CredentialTable table) {
    return kAuditedTables().at(static_cast<std::size_t>(table));
}

std::optional<CredentialTable> credentialTableNamed(std::string_view name) {
    const auto& tables = kAuditedTables();
    for (std::size_t i = 0; i < tables.size(); ++i) {
        if (tables[i].table == name) {
            return static_cast<CredentialTable>(i);
        }
    }
    return std::nullopt;
}

std::string encodeKey(const std::vector<std::string>& key) {
    std::string out;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (i > 0) {
            out.push_back(kKeySeparator);
        }
        out += key[i];
    }
    return out;
}

std::vector<std::string> decodeKey(const std::string& encoded) {
    std::vector<std::string> key(1);
    for (char c : encoded) {
        if (c == kKeySeparator) {
            key.emplace_back();
        } else {
            key.back().push_back(c);
        }
    }
    return key;
}

RowOwner ownerOf(CredentialTable table, const std::vector<std::string>& key) {
    const std::string first = key.empty() ? std::string() : key[0];
    switch (table) {
        case CredentialTable::cards:
            return {RowOwner::Kind::card, first};
        case CredentialTable::groupMembers:
            return {RowOwner::Kind::person, key.size() > 1 ? key[1] : std::string()};
        case CredentialTable::levelAssignments:
            return {first == "group" ? RowOwner::Kind::group : RowOwner::Kind::person,
                    key.size() > 1 ? key[1] : std::string()};
        default:
            return {RowOwner::Kind::person, first};
    }
}

std::string mismatchSubject(const core::RowDigestMismatch& mismatch) {
    const auto table = credentialTableNamed(mismatch.table);
    if (!table) {
        return {};
    }
    const RowOwner owner = ownerOf(*table, mismatch.key);
    return owner.kind == RowOwner::Kind::person ? owner.id : std::string();
}

const std::string& AuditedRow::text(std::size_t i) const {
    static const std::string empty;
    if (i >= columns.size() || (columns[i].type != core::RowValueType::text &&
                                columns[i].type != core::RowValueType::blob)) {
        return empty;
    }
    return columns[i].bytes;
}

std::int64_t AuditedRow::integer(std::size_t i) const {
    return i < columns.size() && columns[i].type == core::RowValueType::integer ? columns[i].integer
                                                                                : 0;
}

core::Result<std::unique_ptr<AuditedRows>> AuditedRows::prepare(core::Database& db) {
    std::unique_ptr<AuditedRows> rows(new AuditedRows(db));
    for (std::size_t t = 0; t < kCredentialTableCount; ++t) {
        auto stmt = prepareRaw(db, selectSql(kAuditedTables()[t], nullptr));
        if (!stmt) {
            return stmt.error();
        }
        rows->all_.push_back(*stmt);
    }
    for (const auto& scope : kPersonScopes) {
        auto stmt = prepareRaw(db, selectSql(auditedTable(scope.table), scope.where));
        if (!stmt) {
            return stmt.error();
        }
        rows->personRows_.emplace_back(scope.table, *stmt);
    }
    auto card = prepareRaw(db, selectSql(cardsTable(), "uid = ?1"));
    if (!card) {
        return card.error();
    }
    rows->cardRow_ = *card;
    auto group =
        prepareRaw(db, selectSql(levelAssignmentsTable(), "holder_kind = 'group' AND holder = ?1"));
    if (!group) {
        return group.error();
    }
    rows->groupRows_ = *group;
    return rows;
}

AuditedRows::~AuditedRows() {
    for (auto* stmt : all_) {
        sqlite3_finalize(stmt);
    }
    for (auto& [table, stmt] : personRows_) {
        sqlite3_finalize(stmt);
    }
    sqlite3_finalize(cardRow_);
    sqlite3_finalize(groupRows_);
}

core::Result<void> AuditedRows::scan(sqlite3_stmt* stmt, CredentialTable table,
                                     const std::string* bound, const Visit& visit) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (bound != nullptr) {
        sqlite3_bind_text(stmt, 1, bound->data(), static_cast<int>(bound->size()), SQLITE_STATIC);
    }
    const auto& audited = auditedTable(table);
    const int keys = static_cast<int>(audited.keyColumns.size());
    row_.table = table;
    for (;;) {
        const int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) {
            break;
        }
        if (rc != SQLITE_ROW) {
            auto error =
                core::makeError("doors.rows", audited.table + ": " + sqlite3_errmsg(db_.handle()));
            sqlite3_reset(stmt);
            return error;
        }
        row_.key.clear();
        for (int i = 0; i < keys; ++i) {
            if (i > 0) {
                row_.key.push_back(kKeySeparator);
            }
            const auto* text = sqlite3_column_text(stmt, i);
            row_.key.append(text == nullptr ? "" : reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
        }
        const int count = sqlite3_column_count(stmt);
        row_.columns.resize(static_cast<std::size_t>(count - keys));
        for (int i = keys; i < count; ++i) {
            readColumn(stmt, i, row_.columns[static_cast<std::size_t>(i - keys)]);
        }
        row_.digest = core::rowDigest(audited.table, row_.columns);
        visit(row_);
    }
    sqlite3_reset(stmt);
    return {};
}

core::Result<void> AuditedRows::all(CredentialTable table, const Visit& visit) {
    return scan(all_.at(static_cast<std::size_t>(table)), table, nullptr, visit);
}

core::Result<void> AuditedRows::ofPerson(const std::string& person, const Visit& visit) {
    for (auto& [table, stmt] : personRows_) {
        if (auto r = scan(stmt, table, &person, visit); !r) {
            return r;
        }
    }
    return {};
}

core::Result<void> AuditedRows::ofCard(const std::string& uid, const Visit& visit) {
    return scan(cardRow_, CredentialTable::cards, &uid, visit);
}

core::Result<void> AuditedRows::ofGroup(const std::string& group, const Visit& visit) {
    return scan(groupRows_, CredentialTable::levelAssignments, &group, visit);
}

void foldIntoPerson(PersonRecord& person, const AuditedRow& row) {
    switch (row.table) {
        case CredentialTable::people:  // id, name, active
            person.id = row.text(0);
            person.name = row.text(1);
            person.active = row.integer(2) != 0;
            break;
        case CredentialTable::details:  // person, organisation, from, until, escort
            person.organisation = row.text(1);
            person.validFromUs = row.integer(2);
            person.validUntilUs = row.integer(3);
            person.escortRequired = row.integer(4) != 0;
            break;
        case CredentialTable::pins:  // person, hash
            person.pinHash = row.text(1);
            break;
        case CredentialTable::fingerprints:  // person, template_box
            person.fingerBox = row.text(1);
            break;
        case CredentialTable::backupFingerprints:  // person, box
            person.secondFingerBox = row.text(1);
            break;
        case CredentialTable::keypadCodes:  // person, code_hash
            person.keypadHash = row.text(1);
            break;
        case CredentialTable::grants:  // person, zone, schedule
            person.grants.push_back(ZoneGrant{row.text(1), row.text(2)});
            break;
        case CredentialTable::groupMembers:  // group_id, person
            person.groups.push_back(row.text(0));
            break;
        case CredentialTable::levelAssignments:  // kind, holder, level, from, until
            person.levels.push_back(levelFrom(row));
            break;
        case CredentialTable::offlinePins:  // person, panel, pin_hash
            person.offlinePinHashes[row.text(1)] = row.text(2);
            break;
        case CredentialTable::personWeights:  // person, weight_g
            person.weightG = static_cast<int>(row.integer(1));
            break;
        case CredentialTable::cards:
            break;
    }
}

CardRecord cardFrom(const AuditedRow& row) {  // uid, person, state
    return CardRecord{row.text(0), row.text(1),
                      row.text(2) == "active" ? CardState::active : CardState::revoked};
}

LevelAssignment levelFrom(const AuditedRow& row) {
    return LevelAssignment{row.text(2), row.integer(3), row.integer(4)};
}

}  // namespace sekimori::doors
