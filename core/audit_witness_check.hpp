#pragma once
// The witness part of `sekimori audit verify`: with each witness's public key and its own log
// (docs/witness.md), the database must hold what the witness cosigned. A database rolled back
// (with its checkpoint file) to an older copy is behind the newest witnessed checkpoint; a
// rewritten one diverges from a witnessed head, however well its hashes were recomputed and
// whatever the daemon's key signed since; a log without one valid cosignature covers nothing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_verify.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

struct WitnessCheckSummary {
    std::string witness;              // the id the log's cosignatures name
    std::uint64_t cosignatures = 0;   // valid log lines
    std::uint64_t witnessedSize = 0;  // tree size of the newest valid cosignature
};

// Adds a finding for: a log line that does not parse, a cosignature that does not verify under
// the witness key, a cosigned checkpoint the controller key did not sign, a log whose sizes go
// back, no valid cosignature at all, a database that ends before the newest witnessed size, and
// every witnessed head the database's hash at that size differs from. An error only when it
// cannot run (a missing key or log file).
Result<std::vector<WitnessCheckSummary>> checkWitnessed(Database& db,
                                                        const std::vector<AuditWitness>& witnesses,
                                                        std::string_view controllerPublicKey,
                                                        std::vector<AuditFinding>& findings);

}  // namespace sekimori::core
