#include "witness/submit_reader.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "witness/witness_event_types.hpp"

namespace sekimori::witness {
namespace {

// Room for the checkpoint, "from" and the brackets around the events.
constexpr std::size_t kEnvelopeBytes = 512;

bool isLinkBookkeeping(std::string_view type) {
    return type == kAuditCosigned.name || type == kAuditWitnessRefused.name ||
           type == kAuditWitnessSilent.name;
}

protocol::WireCheckpoint toWire(const core::Checkpoint& c) {
    return {c.treeSize, core::toHex(c.headHash), c.timeUs, core::toHex(c.signature)};
}

}  // namespace

core::Result<std::optional<BuiltSubmit>> readSubmit(core::Database& db,
                                                    const core::AuditSigner& signer,
                                                    const SubmitRequest& request,
                                                    std::size_t budget) {
    auto newest = db.prepare(
        "SELECT tree_size, head_hash, time_us, signature FROM audit_checkpoints"
        " ORDER BY tree_size DESC LIMIT 1");
    if (!newest) {
        return newest.error();
    }
    auto row = newest->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<BuiltSubmit>{};
    }
    core::Checkpoint checkpoint;
    checkpoint.treeSize =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, newest->columnInt(0)));
    const std::string head = newest->columnBlob(1);
    if (head.size() == checkpoint.headHash.size()) {
        std::copy(head.begin(), head.end(), checkpoint.headHash.begin());
    }
    checkpoint.timeUs = newest->columnInt(2);
    checkpoint.signature = newest->columnBlob(3);

    BuiltSubmit built;
    built.submit.checkpoint = toWire(checkpoint);
    built.headHash = checkpoint.headHash;
    if (checkpoint.treeSize <= request.fromSize) {
        if (checkpoint.treeSize == request.fromSize && checkpoint.headHash == request.fromHead) {
            return std::optional<BuiltSubmit>{};
        }
        built.submit.from = checkpoint.treeSize;
        built.payload = protocol::encode(built.submit);
        return std::optional<BuiltSubmit>(std::move(built));
    }

    auto select = db.prepare(
        "SELECT seq, time_us, type, source, subject, payload, hash FROM audit_events"
        " WHERE seq > ?1 AND seq <= ?2 ORDER BY seq");
    if (!select) {
        return select.error();
    }
    select->bind(1, static_cast<std::int64_t>(request.fromSize))
        .bind(2, static_cast<std::int64_t>(checkpoint.treeSize));
    std::size_t bytes = kEnvelopeBytes;
    bool onlyBookkeeping = true;
    bool cut = false;
    core::Hash lastHash{};
    std::uint64_t lastSeq = request.fromSize;
    for (;;) {
        auto next = select->step();
        if (!next) {
            return next.error();
        }
        if (!*next) {
            break;
        }
        protocol::WireEvent e;
        e.seq = static_cast<std::uint64_t>(select->columnInt(0));
        e.timeUs = select->columnInt(1);
        e.type = select->columnText(2);
        e.source = select->columnText(3);
        e.subject = select->columnText(4);
        e.payload = select->columnText(5);
        const std::size_t size = protocol::encode(e).size() + 1;
        if (bytes + size > budget) {
            if (built.submit.events.empty()) {
                return core::makeError("witness.event_too_large",
                                       "event " + std::to_string(e.seq) +
                                           " alone does not fit in a submit of " +
                                           std::to_string(budget) + " bytes");
            }
            cut = true;
            break;
        }
        bytes += size;
        onlyBookkeeping = onlyBookkeeping && isLinkBookkeeping(e.type);
        const std::string hash = select->columnBlob(6);
        if (hash.size() == lastHash.size()) {
            std::copy(hash.begin(), hash.end(), lastHash.begin());
        }
        lastSeq = e.seq;
        built.submit.events.push_back(std::move(e));
    }
    built.submit.from = request.fromSize;
    if (!built.submit.events.empty() && (cut || lastSeq != checkpoint.treeSize)) {
        // An intermediate head, signed now (the witness checks it extends its own).
        const core::Checkpoint intermediate = signer.sign(lastSeq, lastHash, checkpoint.timeUs);
        built.submit.checkpoint = toWire(intermediate);
        built.headHash = lastHash;
    } else if (onlyBookkeeping) {
        return std::optional<BuiltSubmit>{};
    }
    built.payload = protocol::encode(built.submit);
    return std::optional<BuiltSubmit>(std::move(built));
}

}  // namespace sekimori::witness
