#pragma once
// The witness's decision, pure: given where it stands (the last head it cosigned) and a submit
// from the controller, either a cosignature and its new state, or a refusal with a reason an
// operator can read. It cosigns only a head that provably extends its own: it re-chains the
// submitted events from its own head hash with core::auditEventHash, so a rewritten history
// (even with recomputed hashes and a checkpoint the real controller key signed) cannot match.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/audit_chain.hpp"
#include "core/audit_cosignature.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "protocol/witness_messages.hpp"

namespace sekimori::witness {

// Where the witness stands: the newest checkpoint it cosigned.
struct CosignerState {
    std::uint64_t treeSize = 0;
    core::Hash headHash{};            // hash of event treeSize (32 zero bytes at 0)
    core::TimeUs recordedTimeUs = 0;  // time_us of event treeSize: later events may not be older
    core::TimeUs checkpointTimeUs = 0;
    bool operator==(const CosignerState&) const = default;
};

struct SubmittedEvent {
    std::uint64_t seq = 0;
    core::Event event;
};
struct Submission {
    core::Checkpoint checkpoint;
    std::uint64_t from = 0;
    std::vector<SubmittedEvent> events;  // from+1 .. checkpoint.treeSize
};
// The wire message with its hex decoded (the parser checked the digits).
Submission submissionFromWire(const protocol::WitnessSubmit& wire);

enum class RefusalReason {
    badSignature,        // the checkpoint does not verify under the pinned controller key
    shrink,              // tree size below what was cosigned: a rollback
    gap,                 // events missing or out of order, or not starting at the witness's size
    notExtending,        // the events re-chained from the witness's head do not reach the head
    timeBack,            // an event dated before the one before it (or the last cosigned one)
    checkpointTimeBack,  // the checkpoint is dated before the last cosigned checkpoint
    futureCheckpoint,    // the checkpoint is dated beyond the witness's clock + skew
};
std::string_view refusalReasonName(RefusalReason reason);  // "not_extending", ...

struct Refusal {
    RefusalReason reason;
    std::string detail;
};

struct Accepted {
    CosignerState next;
    // The same head as the state already holds (a resent submit): answer with the stored
    // cosignature instead of a new one, so the log gains nothing.
    bool duplicate = false;
};

struct CosignerPolicy {
    std::int64_t maxFutureSkewUs = 300'000'000;  // 5 min
};

// Checks in this order: signature, shrink, future, checkpoint time, gap, times, the chain.
std::variant<Accepted, Refusal> checkSubmission(const CosignerState& state,
                                                const Submission& submission,
                                                std::string_view controllerPublicKey,
                                                core::TimeUs nowUs,
                                                const CosignerPolicy& policy = {});

}  // namespace sekimori::witness
