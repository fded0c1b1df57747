#pragma once
// Presence survives a restart: it is rebuilt from the audit trail (presence.entered /
// presence.left in seq order) before the doors service serves, so the console and the vault
// never see an empty handling area that is not empty. Blocking SQLite: reader thread only.
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/presence.hpp"

namespace sekimori::doors {

// An empty presence when the trail does not exist yet (a fresh database).
core::Result<Presence> rebuildPresence(core::Database& db);

}  // namespace sekimori::doors
