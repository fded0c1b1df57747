#pragma once
// The vault link's state read back from the trail at start (vault/vault_state.hpp), in seq
// order, on a thread and read-only connection of its own. Blocking SQLite: never the io thread.
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "vault/vault_state.hpp"

namespace sekimori::vault {

// An empty state for a fresh database (no trail yet). Authorize questions are read only from
// `nonceSinceUs` on (their nonces; the clock's now minus the skew).
core::Result<VaultState> rebuildVaultState(core::Database& db,
                                           const std::vector<core::Bytes>& vaultKeys,
                                           const std::set<std::string>& areas,
                                           core::TimeUs nonceSinceUs, std::int64_t skewSeconds);

}  // namespace sekimori::vault
