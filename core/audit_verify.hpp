#pragma once
// Verifies the audit trail from the database, the checkpoint file and the public key alone:
// the chain from seq 1, contiguity, every checkpoint's signature and (tree size, head hash),
// truncation below the newest checkpoint, at least one checkpoint, recorded times that never go
// back along seq nor before a checkpoint that precedes them, the audit schema contract, the row
// digests of the audited tables, the panels' signatures, and the witnesses (docs/audit.md).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/row_digest.hpp"

namespace sekimori::core {

// A witness's public key and its own log of cosignatures (docs/witness.md): verify fails when
// the database is behind, diverges from, or is not covered by what the witness cosigned.
struct AuditWitness {
    std::string publicKeyFile;
    std::string logFile;
};

struct AuditVerifyOptions {
    std::string dbPath;
    std::string checkpointFile;  // empty: "<db path>.checkpoints"
    std::string publicKeyFile;   // empty: audit-signing.pub beside the checkpoint file
    // Every event must be covered by a checkpoint (for an audit after a clean shutdown).
    bool requireCovered = false;
    TimeUs nowUs = 0;  // 0: the system clock; uncovered events dated later than now + skew fail
    std::chrono::seconds maxClockSkew{300};
    std::vector<AuditWitness> witnesses;  // core/audit_witness_check.hpp
    // The tables whose rows must match the newest row digest the trail recorded (C2; the app
    // passes doors::kAuditedTables() and console::kAuditedTables()). A table absent from the
    // database has no rows.
    std::vector<AuditedTable> auditedTables;
    // Panel signatures (core/audit_panel_signatures.hpp): the site the panels sign for (empty:
    // from the trail), and a directory of pinned panel public keys (<panel>.sign.pub; empty:
    // the keys the trail enrolled only).
    std::string site;
    std::string panelKeysDir;
};

struct AuditFinding {
    std::uint64_t seq = 0;  // the first sequence number the finding is about
    std::string message;
};

struct AuditVerifyReport {
    std::vector<AuditFinding> findings;  // sorted by seq
    std::uint64_t eventCount = 0;
    std::uint64_t checkpointCount = 0;    // distinct validly signed checkpoints (file and table)
    std::uint64_t coveredSize = 0;        // tree size of the newest valid checkpoint
    std::uint64_t uncoveredCount = 0;     // events after it
    std::uint64_t rowsChecked = 0;        // rows of the audited tables compared with the trail
    std::uint64_t panelSignedEvents = 0;  // events whose panel signature was checked
    Hash headHash{};                      // stored hash of the last event
    bool intact() const { return findings.empty(); }
    std::optional<std::uint64_t> firstBadSeq() const;
};

// An error means the verifier could not run (missing file, unreadable key): exit code 2.
Result<AuditVerifyReport> verifyAudit(const AuditVerifyOptions& options);

}  // namespace sekimori::core
