#pragma once
// Console operator accounts: name, role and an argon2id hash of a generated password. The
// password is returned once to whoever created the account and never stored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "console/roles.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

struct OperatorRecord {
    std::string name;
    Role role = Role::deskOperator;
    std::string passwordHash;
    core::TimeUs createdUs = 0;
    bool disabled = false;
};

// Creates or upgrades the "console" schema (table operators). Safe to call on every start.
core::Result<void> migrateOperatorStore(core::Database& db);

// Operator names follow the identifier rule: 1..64 chars of [a-z0-9_-].
bool isValidOperatorName(std::string_view name);

// A strong random password and its argon2id hash. Slow (tens of ms): make it before opening a
// write transaction, so the database lock is never held while hashing.
struct OperatorCredential {
    std::string password;  // the only clear copy; shown once
    std::string passwordHash;
};
core::Result<OperatorCredential> makeOperatorCredential();
// Inserts the row only (fast; fits inside a caller's transaction on a migrated store).
// Errors as addOperator's.
core::Result<void> insertOperator(core::Database& db, std::string_view name, Role role,
                                  const std::string& passwordHash, core::TimeUs createdUs);

// Adds an operator with a strong random password and returns that password (the only copy).
// Error "console.operator_exists" when the name is taken, "console.bad_name" when invalid.
core::Result<std::string> addOperator(core::Database& db, std::string_view name, Role role,
                                      core::TimeUs createdUs);
core::Result<std::string> addOperator(core::Database& db, std::string_view name, Role role);

// On first run only (no operator exists yet) creates "admin" with role security_admin and
// writes its generated password to `passwordFile` (mode 0600). Returns whether it created one.
core::Result<bool> ensureInitialAdmin(core::Database& db, const std::string& passwordFile);

core::Result<std::optional<OperatorRecord>> findOperator(core::Database& db, std::string_view name);
core::Result<std::vector<OperatorRecord>> listOperators(core::Database& db);
core::Result<void> setOperatorDisabled(core::Database& db, std::string_view name, bool disabled);

}  // namespace sekimori::console
