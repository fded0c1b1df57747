#pragma once
// Thin RAII over SQLite: prepared statements only, WAL, and versioned migrations per component.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sekimori::core {

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bindBlob(int index, const void* data, std::size_t size);
    Statement& bindNull(int index);
    Statement& bindDouble(int index, double value);
    // Without a copy: the bytes must stay alive and unchanged until the statement is stepped
    // and reset (the audit appender binds each event's strings this way, once per row).
    Statement& bindTextRef(int index, std::string_view text);
    Statement& bindBlobRef(int index, const void* data, std::size_t size);

    // true: a row is ready; false: done. An error becomes a Result error.
    Result<bool> step();
    Result<void> run();  // step until done, for statements without rows
    void reset();        // clears bindings too

    std::int64_t columnInt(int index) const;
    std::string columnText(int index) const;
    std::string columnBlob(int index) const;
    bool columnIsNull(int index) const;
    double columnDouble(int index) const;

  private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

struct Migration {
    int version;      // 1, 2, 3, ... per component
    std::string sql;  // may hold several statements
};

class Database {
  public:
    enum class Mode { readWrite, readOnly };

    // Opens (creating if needed, in readWrite) with WAL, synchronous=FULL, foreign keys on and a
    // busy timeout, so several processes (daemon, CLI) can share one file.
    static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                  Mode mode = Mode::readWrite);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Result<Statement> prepare(std::string_view sql);
    Result<void> exec(std::string_view sql);  // for fixed SQL without parameters only
    // Applies, in one transaction each, the migrations of `component` newer than the recorded
    // version; the version is kept in table schema_migrations.
    Result<void> migrate(std::string_view component, const std::vector<Migration>& migrations);

    // True inside BEGIN ... COMMIT (the connection is not in autocommit mode). SQLite leaves a
    // transaction by itself after some errors (disk full, I/O error); this tells.
    bool inTransaction() const;

    sqlite3* handle() { return db_; }
    const std::string& path() const { return path_; }
    std::string lastError() const;

  private:
    Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_;
    std::string path_;
};

}  // namespace sekimori::core
