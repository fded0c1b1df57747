#include "core/sqlite_db.hpp"

#include <utility>

#include "core/io_watchdog.hpp"

namespace sekimori::core {

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = std::exchange(other.db_, nullptr);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindBlob(int index, const void* data, std::size_t size) {
    sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindTextRef(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bindBlobRef(int index, const void* data, std::size_t size) {
    sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Statement& Statement::bindDouble(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
}

Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    return makeError("store.step", std::string("SQLite: ") + sqlite3_errmsg(db_));
}

Result<void> Statement::run() {
    for (;;) {
        auto r = step();
        if (!r) {
            reset();
            return r.error();
        }
        if (!r.value()) {
            reset();
            return {};
        }
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::columnInt(int index) const {
    return sqlite3_column_int64(stmt_, index);
}

std::string Statement::columnText(int index) const {
    const auto* text = sqlite3_column_text(stmt_, index);
    const int size = sqlite3_column_bytes(stmt_, index);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size))
                : std::string();
}

std::string Statement::columnBlob(int index) const {
    const void* blob = sqlite3_column_blob(stmt_, index);
    const int size = sqlite3_column_bytes(stmt_, index);
    return blob ? std::string(static_cast<const char*>(blob), static_cast<std::size_t>(size))
                : std::string();
}

bool Statement::columnIsNull(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

double Statement::columnDouble(int index) const {
    return sqlite3_column_double(stmt_, index);
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, Mode mode) {
    sqlite3* db = nullptr;
    const int flags =
        mode == Mode::readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
        std::string message =
            "cannot open database " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return makeError("store.open", message);
    }
    std::unique_ptr<Database> database(new Database(db, path));
    sqlite3_busy_timeout(db, 5000);
    if (mode == Mode::readWrite) {
        if (auto r = database->exec("PRAGMA journal_mode=WAL"); !r) {
            return r.error();
        }
    }
    if (auto r = database->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"); !r) {
        return r.error();
    }
    return database;
}

Database::~Database() {
    sqlite3_close_v2(db_);
}

Result<Statement> Database::prepare(std::string_view sql) {
    noteBlockingCallOnIoThread(sql);  // SQLite blocks on locks and the disk: never on the io thread
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
        return makeError("store.prepare", "SQLite cannot prepare [" + std::string(sql) +
                                              "]: " + sqlite3_errmsg(db_));
    }
    return Statement(db_, stmt);
}

Result<void> Database::exec(std::string_view sql) {
    noteBlockingCallOnIoThread(sql);
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string error = message ? message : sqlite3_errmsg(db_);
        sqlite3_free(message);
        return makeError("store.exec", "SQLite: " + error + " in [" + text + "]");
    }
    return {};
}

bool Database::inTransaction() const {
    return sqlite3_get_autocommit(db_) == 0;
}

std::string Database::lastError() const {
    return sqlite3_errmsg(db_);
}

Result<void> Database::migrate(std::string_view component,
                               const std::vector<Migration>& migrations) {
    if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        !r) {
        return r;
    }
    auto current = prepare("SELECT version FROM schema_migrations WHERE component = ?1");
    if (!current) {
        return current.error();
    }
    current->bind(1, component);
    auto row = current->step();
    if (!row) {
        return row.error();
    }
    const std::int64_t have = row.value() ? current->columnInt(0) : 0;
    current->reset();
    for (const auto& m : migrations) {
        if (m.version <= have) {
            continue;
        }
        if (auto r = exec("BEGIN IMMEDIATE"); !r) {
            return r;
        }
        auto applied = exec(m.sql);
        if (applied) {
            auto mark = prepare(
                "INSERT INTO schema_migrations(component, version) VALUES(?1, ?2)"
                " ON CONFLICT(component) DO UPDATE SET version = excluded.version");
            if (!mark) {
                applied = mark.error();
            } else {
                mark->bind(1, component).bind(2, std::int64_t{m.version});
                applied = mark->run();
            }
        }
        if (!applied) {
            (void)exec("ROLLBACK");
            return makeError("store.migration", "migration " + std::string(component) + " v" +
                                                    std::to_string(m.version) +
                                                    " failed: " + applied.error().message);
        }
        if (auto r = exec("COMMIT"); !r) {
            return r;
        }
    }
    return {};
}

}  // namespace sekimori::core
