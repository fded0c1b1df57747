#pragma once
// A witness's cosignature of an audit checkpoint: the witness (its own key, its own host)
// signs (witness id, site, tree size, head hash, checkpoint time, its own time) only after it
// checked that the head extends the last one it cosigned (witness/cosigner.hpp). The encoding,
// Ed25519 sign and verify, and the JSON line of the witness's log (docs/witness.md).
#include <cstdint>
#include <string>
#include <string_view>

#include "core/crypto.hpp"
#include "core/event.hpp"
#include "core/result.hpp"

namespace sekimori::core {

inline constexpr std::string_view kAuditCosignatureTag = "sekimori.audit.cosignature.v1";

struct Cosignature {
    std::string witness;  // the witness's id ("w1")
    std::string site;
    std::uint64_t treeSize = 0;
    Hash headHash{};
    TimeUs checkpointTimeUs = 0;  // the controller's checkpoint time
    TimeUs witnessTimeUs = 0;     // the witness's clock when it cosigned
    Bytes signature;              // Ed25519 by the witness over encodeCosignature(), 64 bytes
};

// lp(tag) lp(witness) lp(site) u64 tree_size, head_hash (32 raw bytes), i64 checkpoint_time_us,
// i64 witness_time_us; lp(x) is a u32 BE byte length followed by x, integers big-endian.
Bytes encodeCosignature(std::string_view witness, std::string_view site, std::uint64_t treeSize,
                        const Hash& headHash, TimeUs checkpointTimeUs, TimeUs witnessTimeUs);
bool verifyCosignature(const Cosignature& cosignature, std::string_view witnessPublicKey);

// One line of the witness's log (and its state file): the cosignature, the recorded time of
// event tree_size (the witness refuses later events dated before it), and the controller's
// signature of the checkpoint it cosigned, so that the log alone is evidence.
struct WitnessLogEntry {
    Cosignature cosignature;
    TimeUs recordedTimeUs = 0;
    Bytes checkpointSignature;  // Ed25519 by the controller over encodeCheckpoint(), 64 bytes
};
// {"witness","site","tree_size","head_hash","checkpoint_time_us","witness_time_us",
//  "signature","recorded_time_us","checkpoint_signature"} on one line, no newline.
std::string witnessLogEntryToJson(const WitnessLogEntry& entry);
Result<WitnessLogEntry> witnessLogEntryFromJson(std::string_view line);

// The witness's Ed25519 key: the same file format as the audit signing key (64 bytes, 0600,
// the hex public half beside it as <name>.pub), created on first run.
class CosignatureSigner {
  public:
    static Result<CosignatureSigner> loadOrCreate(const std::string& secretKeyPath);
    CosignatureSigner(CosignatureSigner&& other) noexcept;
    CosignatureSigner& operator=(CosignatureSigner&&) = delete;
    CosignatureSigner(const CosignatureSigner&) = delete;
    ~CosignatureSigner();

    Cosignature sign(std::string witness, std::string site, std::uint64_t treeSize,
                     const Hash& headHash, TimeUs checkpointTimeUs, TimeUs witnessTimeUs) const;
    const Bytes& publicKey() const { return publicKey_; }

  private:
    CosignatureSigner(Bytes secretKey, Bytes publicKey)
        : secretKey_(std::move(secretKey)), publicKey_(std::move(publicKey)) {}
    Bytes secretKey_;
    Bytes publicKey_;
};

}  // namespace sekimori::core
