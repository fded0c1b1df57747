#pragma once
// Builds the next submit for one witness from the daemon's own reader connection (on the
// witness link's worker thread, never the io thread): the newest stored checkpoint, and the
// events from the witness's size up to it. A submit stays under `budget` bytes: when the events
// do not fit, it ends at the last event that does, under an intermediate checkpoint of that
// head signed now with the daemon's audit key and dated like the newest checkpoint (so the
// witness's checkpoint times never go back when the newest follows).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/audit_checkpoint.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "protocol/witness_messages.hpp"

namespace sekimori::witness {

struct SubmitRequest {
    std::uint64_t fromSize = 0;  // where the witness stands
    core::Hash fromHead{};
};

struct BuiltSubmit {
    protocol::WitnessSubmit submit;
    std::string payload;  // encoded, at most budget bytes
    core::Hash headHash{};
};

// nullopt: nothing to submit (the witness has the newest head, or everything after it is the
// witness link's own bookkeeping: audit.cosigned and audit.witness_* events, which would
// otherwise make a new checkpoint to cosign forever). A newest checkpoint below the witness's
// size, or of its size with another head, is submitted as it is: the witness refuses it
// (shrink, not_extending), which is how a rolled-back or rewritten database is heard at once.
core::Result<std::optional<BuiltSubmit>> readSubmit(core::Database& db,
                                                    const core::AuditSigner& signer,
                                                    const SubmitRequest& request,
                                                    std::size_t budget);

}  // namespace sekimori::witness
