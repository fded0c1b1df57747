#include "console/operator_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/crypto.hpp"
#include "core/log.hpp"

namespace sekimori::console {
namespace {

constexpr const char* kColumns =
    "name, role, password_hash, created, disabled, must_change_password, person";

const std::vector<core::Migration>& migrations() {
    static const std::vector<core::Migration> list = {
        {1,
         "CREATE TABLE operators("
         " name TEXT PRIMARY KEY,"
         " role TEXT NOT NULL CHECK(role IN"
         "  ('operator','facility_admin','security_admin','auditor')),"
         " password_hash TEXT NOT NULL,"
         " created INTEGER NOT NULL,"
         " disabled INTEGER NOT NULL DEFAULT 0)"},
        // Issue 12: the fifth role, the person an account belongs to, and the first-login
        // password change. SQLite cannot alter a CHECK: the table is rebuilt.
        {2,
         "CREATE TABLE operators_v2("
         " name TEXT PRIMARY KEY,"
         " role TEXT NOT NULL CHECK(role IN"
         "  ('operator','facility_admin','security_admin','auditor','bcp_coordinator')),"
         " password_hash TEXT NOT NULL,"
         " created INTEGER NOT NULL,"
         " disabled INTEGER NOT NULL DEFAULT 0,"
         " must_change_password INTEGER NOT NULL DEFAULT 0,"
         " person TEXT NOT NULL DEFAULT '');"
         "INSERT INTO operators_v2(name, role, password_hash, created, disabled)"
         " SELECT name, role, password_hash, created, disabled FROM operators;"
         "DROP TABLE operators;"
         "ALTER TABLE operators_v2 RENAME TO operators;"},
        // Issue 13: what each operator chose for the console (operator_preferences.hpp).
        {3,
         "CREATE TABLE operator_preferences("
         " name TEXT PRIMARY KEY,"
         " language TEXT NOT NULL CHECK(language IN ('ja','en')))"},
    };
    return list;
}

core::Result<void> writeSecretFile(const std::string& path, std::string_view content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return core::makeError("console.password_file",
                               path + ": cannot create: " + std::strerror(errno));
    }
    // O_CREAT's mode does not apply to an existing file: tighten it explicitly.
    bool ok = ::fchmod(fd, 0600) == 0;
    std::size_t done = 0;
    while (ok && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        ok = n > 0;
        if (ok) {
            done += static_cast<std::size_t>(n);
        }
    }
    ok = (::fsync(fd) == 0) && ok;
    ::close(fd);
    if (!ok) {
        return core::makeError("console.password_file", path + ": cannot write");
    }
    return {};
}

OperatorRecord readRow(const core::Statement& st) {
    OperatorRecord r;
    r.name = st.columnText(0);
    r.role = parseRole(st.columnText(1)).value_or(Role::deskOperator);
    r.passwordHash = st.columnText(2);
    r.createdUs = st.columnInt(3);
    r.disabled = st.columnInt(4) != 0;
    r.mustChangePassword = st.columnInt(5) != 0;
    r.person = st.columnText(6);
    return r;
}

core::Error badName(std::string_view name) {
    return core::makeError(
        "console.bad_name",
        "operator name must be 1..64 chars of [a-z0-9_-]: '" + std::string(name) + "'");
}

core::Result<void> expectOneRow(core::Database& db, std::string_view name) {
    if (sqlite3_changes(db.handle()) == 0) {
        return core::makeError("console.unknown_operator",
                               "no operator named '" + std::string(name) + "'");
    }
    return {};
}

core::Result<bool> hasAuditTable(core::Database& db) {
    auto st =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'");
    if (!st) {
        return st.error();
    }
    return st->step();
}

// True when some audit event matches `where` (fixed SQL over audit_events).
core::Result<bool> trailHas(core::Database& db, const std::string& where) {
    auto table = hasAuditTable(db);
    if (!table || !*table) {
        return table;
    }
    auto st = db.prepare("SELECT 1 FROM audit_events WHERE " + where + " LIMIT 1");
    if (!st) {
        return st.error();
    }
    return st->step();
}

}  // namespace

const core::AuditedTable& operatorsTable() {
    static const core::AuditedTable table{"operators", {"name"}};
    return table;
}

const std::vector<core::AuditedTable>& kAuditedTables() {
    static const std::vector<core::AuditedTable> tables{operatorsTable()};
    return tables;
}

core::Result<void> migrateOperatorStore(core::Database& db) {
    return db.migrate("console", migrations());
}

bool isValidOperatorName(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

core::Result<OperatorCredential> makeOperatorCredential() {
    if (auto r = core::initCrypto(); !r) {
        return r.error();
    }
    // 18 random bytes = 144 bits, 24 URL-safe characters: easy to copy, infeasible to guess.
    OperatorCredential credential;
    credential.password = core::randomToken(18);
    auto hash = core::hashPassword(credential.password);
    if (!hash) {
        return hash.error();
    }
    credential.passwordHash = std::move(*hash);
    return credential;
}

core::Result<void> insertOperator(core::Database& db, const NewOperator& op) {
    if (!isValidOperatorName(op.name)) {
        return badName(op.name);
    }
    auto st = db.prepare(
        "INSERT INTO operators(name, role, password_hash, created, disabled,"
        " must_change_password, person) VALUES(?1, ?2, ?3, ?4, 0, ?5, ?6)"
        " ON CONFLICT(name) DO NOTHING");
    if (!st) {
        return st.error();
    }
    st->bind(1, op.name)
        .bind(2, roleName(op.role))
        .bind(3, op.passwordHash)
        .bind(4, op.createdUs)
        .bind(5, std::int64_t{op.mustChangePassword ? 1 : 0})
        .bind(6, op.person);
    if (auto r = st->run(); !r) {
        return r.error();
    }
    if (sqlite3_changes(db.handle()) == 0) {
        return core::makeError("console.operator_exists",
                               "operator '" + op.name + "' already exists");
    }
    return {};
}

core::Result<void> insertOperator(core::Database& db, std::string_view name, Role role,
                                  const std::string& passwordHash, core::TimeUs createdUs) {
    return insertOperator(db,
                          NewOperator{std::string(name), role, passwordHash, createdUs, {}, false});
}

core::Result<std::string> addOperator(core::Database& db, std::string_view name, Role role,
                                      core::TimeUs createdUs) {
    if (!isValidOperatorName(name)) {
        return badName(name);
    }
    if (auto r = migrateOperatorStore(db); !r) {
        return r.error();
    }
    auto credential = makeOperatorCredential();
    if (!credential) {
        return credential.error();
    }
    if (auto r = insertOperator(db, name, role, credential->passwordHash, createdUs); !r) {
        return r.error();
    }
    return std::move(credential->password);
}

core::Result<nlohmann::json> operatorRowDigest(core::Database& db, std::string_view name) {
    const std::vector<std::string> key{std::string(name)};
    auto digest = core::digestRow(db, operatorsTable(), key);
    if (!digest) {
        return digest.error();
    }
    return core::rowDigestJson(operatorsTable(), key, *digest);
}

core::Result<core::Event> operatorChangeEvent(core::Database& db, std::string type,
                                              std::string source, std::string_view name,
                                              nlohmann::json payload, core::TimeUs timeUs) {
    auto digest = operatorRowDigest(db, name);
    if (!digest) {
        return digest.error();
    }
    payload["name"] = std::string(name);
    payload[std::string(core::kRowDigestMember)] = std::move(*digest);
    return core::Event{timeUs, std::move(type), std::move(source), std::string(name),
                       payload.dump()};
}

core::Change addOperatorChange(NewOperator op, std::string source, nlohmann::json extra,
                               std::function<void(const core::Result<void>&)> onDone) {
    core::Change change;
    change.apply = [op = std::move(op), source = std::move(source), extra = std::move(extra)](
                       core::Database& db) -> core::Result<std::vector<core::Event>> {
        if (auto r = insertOperator(db, op); !r) {
            return r.error();
        }
        nlohmann::json payload = extra.is_object() ? extra : nlohmann::json::object();
        payload["role"] = std::string(roleName(op.role));
        if (!op.person.empty()) {
            payload["person"] = op.person;
        }
        payload["must_change_password"] = op.mustChangePassword;
        auto event =
            operatorChangeEvent(db, "operator.added", source, op.name, payload, op.createdUs);
        if (!event) {
            return event.error();
        }
        return std::vector<core::Event>{std::move(*event)};
    };
    change.onDone = std::move(onDone);
    return change;
}

core::Result<bool> trailHasOperators(core::Database& db) {
    return trailHas(db,
                    "type = 'operator.added' OR (instr(payload, '\"row_digest\"') > 0 AND"
                    " EXISTS (SELECT 1 FROM json_tree(audit_events.payload, '$.row_digest')"
                    " WHERE key = 'table' AND atom = 'operators'))");
}

core::Result<bool> mintInitialAdmin(core::Database& db, core::EventRecorder& recorder,
                                    const core::Clock& clock, const std::string& passwordFile) {
    if (auto r = migrateOperatorStore(db); !r) {
        return r.error();
    }
    auto count = db.prepare("SELECT COUNT(*) FROM operators");
    if (!count) {
        return count.error();
    }
    if (auto row = count->step(); !row) {
        return row.error();
    }
    if (count->columnInt(0) > 0) {
        return false;
    }
    auto recorded = trailHasOperators(db);
    if (!recorded) {
        return recorded.error();
    }
    if (*recorded) {
        return core::makeError(
            "console.operators_erased",
            "the operators table is empty but the audit trail records operator accounts: the "
            "accounts were removed behind the daemon's back. No new admin is made; restore the "
            "database from a verified backup (sekimori audit verify)");
    }
    auto credential = makeOperatorCredential();
    if (!credential) {
        return credential.error();
    }
    // The file first: if the commit then fails, the next start finds no row and no trail and
    // tries again; the other order could leave an admin nobody knows the password of.
    if (auto w = writeSecretFile(passwordFile, credential->password + "\n"); !w) {
        return w.error();
    }
    NewOperator admin{std::string(kBootstrapAdmin),
                      Role::securityAdmin,
                      std::move(credential->passwordHash),
                      clock.nowUs(),
                      {},
                      true};
    recorder.commit(addOperatorChange(
        std::move(admin), "sekimorid", {{"bootstrap_admin", true}},
        [](const core::Result<void>& r) {
            if (!r) {
                core::logError("console",
                               "the bootstrap admin was not stored: " + r.error().message);
            }
        }));
    return true;
}

core::Result<std::optional<OperatorRecord>> findOperator(core::Database& db,
                                                         std::string_view name) {
    auto st = db.prepare(std::string("SELECT ") + kColumns + " FROM operators WHERE name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, name);
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<OperatorRecord>{};
    }
    return std::optional<OperatorRecord>{readRow(*st)};
}

core::Result<std::vector<OperatorRecord>> listOperators(core::Database& db) {
    auto st = db.prepare(std::string("SELECT ") + kColumns + " FROM operators ORDER BY name");
    if (!st) {
        return st.error();
    }
    std::vector<OperatorRecord> out;
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        out.push_back(readRow(*st));
    }
    return out;
}

core::Result<void> setOperatorDisabled(core::Database& db, std::string_view name, bool disabled) {
    auto st = db.prepare("UPDATE operators SET disabled = ?2 WHERE name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, name).bind(2, std::int64_t{disabled ? 1 : 0});
    if (auto r = st->run(); !r) {
        return r;
    }
    return expectOneRow(db, name);
}

core::Result<void> setOperatorRole(core::Database& db, std::string_view name, Role role) {
    auto st = db.prepare("UPDATE operators SET role = ?2 WHERE name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, name).bind(2, roleName(role));
    if (auto r = st->run(); !r) {
        return r;
    }
    return expectOneRow(db, name);
}

core::Result<void> setOperatorPassword(core::Database& db, std::string_view name,
                                       const std::string& expectedHash,
                                       const std::string& newHash) {
    auto st = db.prepare(
        "UPDATE operators SET password_hash = ?3, must_change_password = 0"
        " WHERE name = ?1 AND password_hash = ?2");
    if (!st) {
        return st.error();
    }
    st->bind(1, name).bind(2, expectedHash).bind(3, newHash);
    if (auto r = st->run(); !r) {
        return r;
    }
    if (sqlite3_changes(db.handle()) == 0) {
        return core::makeError("console.password_changed", "the password of '" + std::string(name) +
                                                               "' changed meanwhile; log in again");
    }
    return {};
}

core::Result<bool> bootstrapWindowOpen(core::Database& db) {
    auto st = db.prepare(
        "SELECT COUNT(*) FROM operators WHERE role = 'security_admin' AND disabled = 0"
        " AND name != ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, kBootstrapAdmin);
    if (auto row = st->step(); !row) {
        return row.error();
    }
    if (st->columnInt(0) > 0) {
        return false;
    }
    auto used =
        trailHas(db, "type = 'operator.added' AND instr(payload, '\"bootstrap\":true') > 0");
    if (!used) {
        return used.error();
    }
    return !*used;
}

nlohmann::json operatorJson(const OperatorRecord& op) {
    return {{"name", op.name},
            {"role", std::string(roleName(op.role))},
            {"person", op.person},
            {"disabled", op.disabled},
            {"must_change_password", op.mustChangePassword},
            {"created_us", op.createdUs}};
}

}  // namespace sekimori::console
