#pragma once
// The audit page's data (GET /api/audit/status, POST /api/audit/verify): where the chain stands,
// its newest checkpoint, where each configured witness stands, and the last verification. The
// verification is core::verifyAudit with the same pinned inputs `sekimori audit verify` is given
// on the daemon's host (app/ fills AuditVerifyOptions), run on the pool: it reads the whole
// trail. Both functions block.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_verify.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

// What the console needs of a configured witness ([[witnesses]] in the site file).
struct WitnessWatch {
    std::string id;
    core::TimeUs silentAfterUs = 30'000'000;  // silent_after_s
};

inline constexpr std::size_t kMaxVerifyProblems = 20;

// Where a witness stands against the newest checkpoint (docs/openapi.yaml, AuditStatus):
// refused — the newest of its cosignature and refusal events is a refusal; none — it never
// cosigned; current — it cosigned the newest checkpoint (or a later one); behind — an older
// one, and the newest is younger than silent_after_s; silent — an older one, and the newest
// has waited silent_after_s or longer.
std::string_view witnessState(std::optional<std::uint64_t> cosignedSize, bool refusedSince,
                              std::optional<std::uint64_t> checkpointSize,
                              core::TimeUs checkpointTimeUs, core::TimeUs silentAfterUs,
                              core::TimeUs nowUs);

// {"size","head_hash","head_time_us","checkpoint":{...}|null,"witnesses":[...]}; last_verify is
// the caller's (lastVerifyEvent).
core::Result<nlohmann::json> auditStatus(core::Database& db,
                                         const std::vector<WitnessWatch>& witnesses,
                                         core::TimeUs nowUs);
// The newest audit.verified as {"time_us","actor","ok","size","problems"}, or null.
core::Result<nlohmann::json> lastVerifyEvent(core::Database& db);

struct VerifyOutcome {
    bool ok = false;
    std::uint64_t size = 0;
    std::vector<std::string> problems;  // at most kMaxVerifyProblems, the first by seq
    std::uint64_t problemCount = 0;     // all of them
};
// Runs the verifier; a verifier that cannot run (a key or file missing) is a problem too, so
// the answer and the audit.verified event say so rather than fail.
VerifyOutcome runAuditVerify(const core::AuditVerifyOptions& options);

}  // namespace sekimori::console
