#include "console/operator_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/crypto.hpp"

namespace sekimori::console {
namespace {

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
    };
    return list;
}

core::TimeUs systemNowUs() {
    return core::SystemClock{}.nowUs();
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
    return r;
}

}  // namespace

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

core::Result<void> insertOperator(core::Database& db, std::string_view name, Role role,
                                  const std::string& passwordHash, core::TimeUs createdUs) {
    if (!isValidOperatorName(name)) {
        return core::makeError(
            "console.bad_name",
            "operator name must be 1..64 chars of [a-z0-9_-]: '" + std::string(name) + "'");
    }
    auto st = db.prepare(
        "INSERT INTO operators(name, role, password_hash, created, disabled)"
        " VALUES(?1, ?2, ?3, ?4, 0) ON CONFLICT(name) DO NOTHING");
    if (!st) {
        return st.error();
    }
    st->bind(1, name).bind(2, roleName(role)).bind(3, passwordHash).bind(4, createdUs);
    if (auto r = st->run(); !r) {
        return r.error();
    }
    if (sqlite3_changes(db.handle()) == 0) {
        return core::makeError("console.operator_exists",
                               "operator '" + std::string(name) + "' already exists");
    }
    return {};
}

core::Result<std::string> addOperator(core::Database& db, std::string_view name, Role role,
                                      core::TimeUs createdUs) {
    if (!isValidOperatorName(name)) {
        return core::makeError(
            "console.bad_name",
            "operator name must be 1..64 chars of [a-z0-9_-]: '" + std::string(name) + "'");
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

core::Result<std::string> addOperator(core::Database& db, std::string_view name, Role role) {
    return addOperator(db, name, role, systemNowUs());
}

core::Result<bool> ensureInitialAdmin(core::Database& db, const std::string& passwordFile) {
    if (auto r = migrateOperatorStore(db); !r) {
        return r.error();
    }
    auto count = db.prepare("SELECT COUNT(*) FROM operators");
    if (!count) {
        return count.error();
    }
    auto row = count->step();
    if (!row) {
        return row.error();
    }
    if (count->columnInt(0) > 0) {
        return false;
    }
    auto password = addOperator(db, "admin", Role::securityAdmin);
    if (!password) {
        return password.error();
    }
    if (auto w = writeSecretFile(passwordFile, *password + "\n"); !w) {
        // Without the file nobody could log in: undo, so the next start tries again.
        if (auto del = db.prepare("DELETE FROM operators WHERE name = 'admin'")) {
            (void)del->run();
        }
        return w.error();
    }
    return true;
}

core::Result<std::optional<OperatorRecord>> findOperator(core::Database& db,
                                                         std::string_view name) {
    auto st = db.prepare(
        "SELECT name, role, password_hash, created, disabled FROM operators WHERE name = ?1");
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
    auto st = db.prepare(
        "SELECT name, role, password_hash, created, disabled FROM operators ORDER BY name");
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
    if (sqlite3_changes(db.handle()) == 0) {
        return core::makeError("console.unknown_operator",
                               "no operator named '" + std::string(name) + "'");
    }
    return {};
}

}  // namespace sekimori::console
