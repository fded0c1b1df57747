#pragma once
// Signed checkpoints of the audit chain: (tree size, head hash, time) signed with Ed25519 by
// a key kept in a file outside the database, stored in audit_checkpoints, appended to an
// fsync'd JSON-lines file outside the database, and handed to a publisher (MQTT, retained).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_chain.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

inline constexpr std::string_view kAuditCheckpointTag = "sekimori.audit.checkpoint.v1";
inline constexpr std::size_t kAuditSecretKeySize = 64;  // libsodium: seed(32) || public(32)
inline constexpr std::size_t kAuditPublicKeySize = 32;
inline constexpr std::size_t kAuditSignatureSize = 64;

// tag, tree_size (u64 BE), head_hash (32 raw bytes), time_us (i64 BE); the tag is a u32 BE
// length followed by its bytes, as in the event encoding.
Bytes encodeCheckpoint(std::uint64_t treeSize, const Hash& headHash, TimeUs timeUs);

// {"tree_size":N,"head_hash":"hex","time_us":T,"signature":"hex"} on one line, no newline.
std::string checkpointToJson(const Checkpoint& checkpoint);
Result<Checkpoint> checkpointFromJson(std::string_view line);

bool verifyCheckpointSignature(const Checkpoint& checkpoint, std::string_view publicKey);

// The default checkpoint file of a database: "<db path>.checkpoints".
std::string defaultCheckpointFile(const std::string& dbPath);
// The public key file that sits beside a secret key file: audit-signing.key -> .pub.
std::string publicKeyPathFor(const std::string& secretKeyPath);
// Reads a hex public key file (the format written by AuditSigner).
Result<Bytes> readPublicKeyFile(const std::string& path);
// Where the verifier looks for the public key by default: audit-signing.pub in the
// checkpoint file's directory.
std::string publicKeyBesideCheckpoints(const std::string& checkpointFile);
// Writes the hex public key there when no file is; a different key already there is an error.
Result<void> publishPublicKeyBeside(const std::string& checkpointFile, const Bytes& publicKey);

class AuditSigner {
  public:
    // Loads the secret key (creating it, 0600, via loadOrCreateKeyFile when absent) and writes
    // the hex public key beside it (publicKeyPathFor). Refuses a key file group/others can read.
    static Result<AuditSigner> loadOrCreate(const std::string& secretKeyPath);
    // Loads an existing key only: for the CLI, which signs if it can and never creates a key.
    static Result<AuditSigner> load(const std::string& secretKeyPath);
    AuditSigner(AuditSigner&& other) noexcept;
    AuditSigner& operator=(AuditSigner&&) = delete;
    AuditSigner(const AuditSigner&) = delete;
    ~AuditSigner();

    Checkpoint sign(std::uint64_t treeSize, const Hash& headHash, TimeUs timeUs) const;
    const Bytes& publicKey() const { return publicKey_; }

  private:
    AuditSigner(Bytes secretKey, Bytes publicKey)
        : secretKey_(std::move(secretKey)), publicKey_(std::move(publicKey)) {}
    Bytes secretKey_;
    Bytes publicKey_;
};

// Appends one JSON line to the checkpoint file and fsyncs it (creating it 0644 when absent).
Result<void> appendCheckpointLine(const std::string& path, const std::string& json);

// Reads the head in a write transaction, signs it at max(nowUs, the head event's time, the
// newest checkpoint's time), stores it in audit_checkpoints (a newer
// checkpoint of the same tree size replaces the older row: heartbeats), commits, then appends
// it to `checkpointFile` (skipped when empty). Returns what was signed.
Result<Checkpoint> writeCheckpoint(Database& db, const AuditSigner& signer, TimeUs nowUs,
                                   const std::string& checkpointFile);

// For one-shot CLI processes: when the key file at `secretKeyPath` is readable, writes a
// checkpoint at once and returns it; when it is not (another user owns it), returns nullopt
// and the daemon covers the new events at its next tick.
Result<std::optional<Checkpoint>> checkpointIfKeyReadable(Database& db,
                                                          const std::string& secretKeyPath,
                                                          TimeUs nowUs,
                                                          const std::string& checkpointFile);

}  // namespace sekimori::core
