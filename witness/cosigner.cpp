#include "witness/cosigner.hpp"

#include <algorithm>

#include "core/audit_checkpoint.hpp"
#include "core/crypto.hpp"

namespace sekimori::witness {
namespace {

core::Hash toHash(const std::string& hex) {
    core::Hash h{};
    auto bytes = core::fromHex(hex);
    if (bytes && bytes->size() == h.size()) {
        std::copy(bytes->begin(), bytes->end(), h.begin());
    }
    return h;
}

Refusal refuse(RefusalReason reason, std::string detail) {
    return Refusal{reason, std::move(detail)};
}

std::string shortHex(const core::Hash& h) {
    return core::toHex(h).substr(0, 16);
}

}  // namespace

Submission submissionFromWire(const protocol::WitnessSubmit& wire) {
    Submission s;
    s.checkpoint.treeSize = wire.checkpoint.treeSize;
    s.checkpoint.headHash = toHash(wire.checkpoint.headHash);
    s.checkpoint.timeUs = wire.checkpoint.timeUs;
    auto sig = core::fromHex(wire.checkpoint.signature);
    s.checkpoint.signature = sig ? std::move(*sig) : core::Bytes{};
    s.from = wire.from;
    s.events.reserve(wire.events.size());
    for (const auto& e : wire.events) {
        s.events.push_back(
            SubmittedEvent{e.seq, core::Event{e.timeUs, e.type, e.source, e.subject, e.payload}});
    }
    return s;
}

std::string_view refusalReasonName(RefusalReason reason) {
    switch (reason) {
        case RefusalReason::badSignature:
            return "bad_signature";
        case RefusalReason::shrink:
            return "shrink";
        case RefusalReason::gap:
            return "gap";
        case RefusalReason::notExtending:
            return "not_extending";
        case RefusalReason::timeBack:
            return "time_back";
        case RefusalReason::checkpointTimeBack:
            return "checkpoint_time_back";
        case RefusalReason::futureCheckpoint:
            return "future_checkpoint";
    }
    return "unknown";
}

std::variant<Accepted, Refusal> checkSubmission(const CosignerState& state,
                                                const Submission& submission,
                                                std::string_view controllerPublicKey,
                                                core::TimeUs nowUs, const CosignerPolicy& policy) {
    const core::Checkpoint& cp = submission.checkpoint;
    const std::string size = std::to_string(cp.treeSize);
    if (!core::verifyCheckpointSignature(cp, controllerPublicKey)) {
        return refuse(RefusalReason::badSignature,
                      "checkpoint " + size + " is not signed by the pinned controller key");
    }
    if (cp.treeSize < state.treeSize) {
        return refuse(RefusalReason::shrink, "tree size " + size + " is below the cosigned " +
                                                 std::to_string(state.treeSize));
    }
    if (cp.timeUs > nowUs + policy.maxFutureSkewUs) {
        return refuse(RefusalReason::futureCheckpoint, "checkpoint " + size + " is dated " +
                                                           std::to_string(cp.timeUs - nowUs) +
                                                           " us ahead of the witness's clock");
    }
    // The head it already cosigned (a resent submit, whatever events it carries): nothing to
    // re-check, the events up to it were checked when it was cosigned.
    if (cp.treeSize == state.treeSize && cp.headHash == state.headHash) {
        if (cp.timeUs < state.checkpointTimeUs) {
            // A resent submit of what is already cosigned, or an older heartbeat of it.
            return Accepted{state, true};
        }
        CosignerState next = state;
        next.checkpointTimeUs = cp.timeUs;
        return Accepted{next, cp.timeUs == state.checkpointTimeUs};
    }
    if (cp.timeUs < state.checkpointTimeUs) {
        return refuse(RefusalReason::checkpointTimeBack,
                      "checkpoint " + size + " is dated before the cosigned checkpoint " +
                          std::to_string(state.treeSize));
    }
    if (submission.from != state.treeSize) {
        return refuse(RefusalReason::gap, "events start after " + std::to_string(submission.from) +
                                              " but the witness stands at " +
                                              std::to_string(state.treeSize));
    }
    if (submission.events.size() != cp.treeSize - state.treeSize) {
        return refuse(RefusalReason::gap, std::to_string(submission.events.size()) +
                                              " events for " + std::to_string(state.treeSize) +
                                              ".." + size);
    }
    core::Hash head = state.headHash;
    core::TimeUs lastTime = state.recordedTimeUs;
    std::uint64_t expected = state.treeSize + 1;
    for (const auto& e : submission.events) {
        if (e.seq != expected) {
            return refuse(RefusalReason::gap, "event seq " + std::to_string(e.seq) + " where " +
                                                  std::to_string(expected) + " was due");
        }
        if (e.event.timeUs < lastTime) {
            return refuse(RefusalReason::timeBack, "event " + std::to_string(e.seq) + " is dated " +
                                                       std::to_string(lastTime - e.event.timeUs) +
                                                       " us before the event before it");
        }
        head = core::auditEventHash(e.seq, e.event, head);
        lastTime = e.event.timeUs;
        ++expected;
    }
    if (head != cp.headHash) {
        return refuse(RefusalReason::notExtending,
                      "the events re-chained from the cosigned head " + shortHex(state.headHash) +
                          " at " + std::to_string(state.treeSize) + " reach " + shortHex(head) +
                          ", not the checkpoint's " + shortHex(cp.headHash));
    }
    return Accepted{CosignerState{cp.treeSize, cp.headHash, lastTime, cp.timeUs}, false};
}

}  // namespace sekimori::witness
