#pragma once
// The custody state read back from the trail at start (custody/custody_state.hpp): custody.*
// and presence events in seq order, on a thread and read-only connection of its own. Blocking
// SQLite: never the io thread.
#include <cstdint>

#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "custody/custody_state.hpp"

namespace sekimori::custody {

struct RebuiltCustody {
    CustodyState state;
    std::uint64_t lastSeq = 0;  // the newest trail seq read: live events after it apply on top
};

// An empty state for a fresh database (no trail yet).
core::Result<RebuiltCustody> rebuildCustody(core::Database& db);

}  // namespace sekimori::custody
