#pragma once
// Presence survives a restart: it is rebuilt from the audit trail (presence.entered /
// presence.left in seq order) before the doors service serves, so the console and the vault
// never see an empty handling area that is not empty. Blocking SQLite: reader thread only.
#include <cstdint>
#include <map>
#include <string>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/presence.hpp"

namespace sekimori::doors {

// Whether the audit trail's table exists (false: a fresh database, nothing to read back).
core::Result<bool> hasAuditTrail(core::Database& db);

// An empty presence when the trail does not exist yet (a fresh database).
core::Result<Presence> rebuildPresence(core::Database& db);

// The newest journal seq per panel the trail holds: the largest `panel_seq` of the events that
// carry `panel` and `panel_seq` (every journaled report, docs/offline.md "Upload and the trail").
// Read in the same start-up pass, before the gateway serves; never from a side table. Empty for
// a fresh database.
core::Result<std::map<std::string, std::uint64_t>> lastJournalSeqs(core::Database& db);

}  // namespace sekimori::doors
