#pragma once
// Console operator accounts: name, role, the person the account belongs to, and an argon2id
// hash of a password. A generated password is returned once and never stored; an account made
// with one must set its own at first login. The operators table is under the audit (C2): every
// change records the row's digest in its event, and a row that does not match the trail may
// not log in (operator_trail.hpp).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "console/roles.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "core/row_digest.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

// The bootstrap account made on a site's first start.
inline constexpr std::string_view kBootstrapAdmin = "admin";

struct OperatorRecord {
    std::string name;
    Role role = Role::deskOperator;
    std::string passwordHash;
    core::TimeUs createdUs = 0;
    bool disabled = false;
    bool mustChangePassword = false;
    std::string person;  // linked person id; empty when none
};

// The console's audited tables: operators(name). audit verify checks them (C2).
const std::vector<core::AuditedTable>& kAuditedTables();
const core::AuditedTable& operatorsTable();

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

struct NewOperator {
    std::string name;
    Role role = Role::deskOperator;
    std::string passwordHash;
    core::TimeUs createdUs = 0;
    std::string person;
    bool mustChangePassword = true;
};
// Inserts the row only (fast; fits inside a caller's transaction on a migrated store).
// Errors "console.operator_exists", "console.bad_name".
core::Result<void> insertOperator(core::Database& db, const NewOperator& op);
core::Result<void> insertOperator(core::Database& db, std::string_view name, Role role,
                                  const std::string& passwordHash, core::TimeUs createdUs);

// Adds an operator with a strong random password and returns that password (the only copy).
// Writes the row only, with no event: for tests and tools that build a store by hand. A row
// made this way is one the trail never named, and cannot log in to a daemon.
core::Result<std::string> addOperator(core::Database& db, std::string_view name, Role role,
                                      core::TimeUs createdUs);

// The operator's row_digest member as it is now (inside the caller's transaction).
core::Result<nlohmann::json> operatorRowDigest(core::Database& db, std::string_view name);
// An event about operator `name` whose payload carries its row_digest, made inside the
// transaction that changed the row.
core::Result<core::Event> operatorChangeEvent(core::Database& db, std::string type,
                                              std::string source, std::string_view name,
                                              nlohmann::json payload, core::TimeUs timeUs);

// One Change adding the operator with its operator.added event (and row digest): what the
// daemon's routes commit, and what tests and tools use to make accounts the trail knows.
core::Change addOperatorChange(NewOperator op, std::string source, nlohmann::json extra,
                               std::function<void(const core::Result<void>&)> onDone = {});

// Whether the trail has ever recorded an operator (an operator.added event, or a row digest of
// the operators table). Needs the audit schema; false when it does not exist yet.
core::Result<bool> trailHasOperators(core::Database& db);

// On the first start of a site only — no operator row and none ever recorded in the trail —
// makes "admin" (security_admin, must change its password at first login), writes its password
// to `passwordFile` (0600) and commits the row with its operator.added event through
// `recorder`. Returns whether it made one. An empty table whose trail names operators is not a
// first start: someone removed the accounts, and a fresh admin is exactly what they want; the
// error "console.operators_erased" says so and the daemon refuses to start.
core::Result<bool> mintInitialAdmin(core::Database& db, core::EventRecorder& recorder,
                                    const core::Clock& clock, const std::string& passwordFile);

core::Result<std::optional<OperatorRecord>> findOperator(core::Database& db, std::string_view name);
core::Result<std::vector<OperatorRecord>> listOperators(core::Database& db);
// Errors "console.unknown_operator" when no such row.
core::Result<void> setOperatorDisabled(core::Database& db, std::string_view name, bool disabled);
core::Result<void> setOperatorRole(core::Database& db, std::string_view name, Role role);
// Replaces the hash only if it is still `expectedHash` (a concurrent change wins, this one
// fails with "console.password_changed"); clears must_change_password.
core::Result<void> setOperatorPassword(core::Database& db, std::string_view name,
                                       const std::string& expectedHash, const std::string& newHash);

// While no enabled security_admin other than the bootstrap admin exists and the trail never
// recorded a bootstrap add, the bootstrap admin may add one security_admin without approval.
core::Result<bool> bootstrapWindowOpen(core::Database& db);

// The JSON the API answers for an operator (never the hash).
nlohmann::json operatorJson(const OperatorRecord& op);

}  // namespace sekimori::console
