#include "core/audit_checkpoint.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sekimori::core {
namespace {

const unsigned char* u8(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

void putU64(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
}

std::string_view hashView(const Hash& h) {
    return {reinterpret_cast<const char*>(h.data()), h.size()};
}

Result<void> writeWholeFile(const std::string& path, const std::string& data, mode_t mode) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        return makeError("audit.key_write", "cannot write " + tmp + ": " + std::strerror(errno));
    }
    const bool ok = ::fchmod(fd, mode) == 0 &&
                    ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return makeError("audit.key_write", "cannot write " + path + ": " + std::strerror(errno));
    }
    return {};
}

}  // namespace

Bytes encodeCheckpoint(std::uint64_t treeSize, const Hash& headHash, TimeUs timeUs) {
    Bytes out;
    out.reserve(4 + kAuditCheckpointTag.size() + 8 + 32 + 8);
    const auto tagSize = static_cast<std::uint32_t>(kAuditCheckpointTag.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((tagSize >> shift) & 0xff));
    }
    out.append(kAuditCheckpointTag);
    putU64(out, treeSize);
    out.append(hashView(headHash));
    putU64(out, static_cast<std::uint64_t>(timeUs));
    return out;
}

std::string checkpointToJson(const Checkpoint& c) {
    nlohmann::ordered_json j;
    j["tree_size"] = c.treeSize;
    j["head_hash"] = toHex(c.headHash);
    j["time_us"] = c.timeUs;
    j["signature"] = toHex(c.signature);
    return j.dump();
}

Result<Checkpoint> checkpointFromJson(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return makeError("audit.checkpoint_json", "not a JSON object");
    }
    const auto field = [&](const char* name) -> const nlohmann::json* {
        auto it = j.find(name);
        return it == j.end() ? nullptr : &*it;
    };
    const auto* size = field("tree_size");
    const auto* head = field("head_hash");
    const auto* time = field("time_us");
    const auto* sig = field("signature");
    if (!size || !size->is_number_unsigned() || !head || !head->is_string() || !time ||
        !time->is_number_integer() || !sig || !sig->is_string()) {
        return makeError("audit.checkpoint_json",
                         "needs tree_size (unsigned), head_hash, time_us and signature");
    }
    Checkpoint c;
    c.treeSize = size->get<std::uint64_t>();
    c.timeUs = time->get<std::int64_t>();
    auto headBytes = fromHex(head->get<std::string>());
    if (!headBytes || headBytes->size() != c.headHash.size()) {
        return makeError("audit.checkpoint_json", "head_hash must be 64 hex digits");
    }
    std::copy(headBytes->begin(), headBytes->end(), c.headHash.begin());
    auto sigBytes = fromHex(sig->get<std::string>());
    if (!sigBytes || sigBytes->size() != kAuditSignatureSize) {
        return makeError("audit.checkpoint_json", "signature must be 128 hex digits");
    }
    // Copied, not moved out of the Result: GCC 12 at -O3 warns a false -Warray-bounds on the move.
    c.signature.assign(sigBytes->begin(), sigBytes->end());
    return c;
}

bool verifyCheckpointSignature(const Checkpoint& c, std::string_view publicKey) {
    if (publicKey.size() != kAuditPublicKeySize || c.signature.size() != kAuditSignatureSize) {
        return false;
    }
    const Bytes message = encodeCheckpoint(c.treeSize, c.headHash, c.timeUs);
    return crypto_sign_verify_detached(u8(c.signature), u8(message), message.size(),
                                       u8(publicKey)) == 0;
}

std::string defaultCheckpointFile(const std::string& dbPath) {
    return dbPath + ".checkpoints";
}

std::string publicKeyPathFor(const std::string& secretKeyPath) {
    std::filesystem::path p(secretKeyPath);
    p.replace_extension(".pub");
    return p.string();
}

Result<Bytes> readPublicKeyFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return makeError("audit.pubkey_missing", "cannot read public key file " + path);
    }
    std::string hex;
    in >> hex;
    auto key = fromHex(hex);
    if (!key || key->size() != kAuditPublicKeySize) {
        return makeError("audit.pubkey_format",
                         "public key file " + path + " must hold 64 hex digits");
    }
    return key;
}

std::string publicKeyBesideCheckpoints(const std::string& checkpointFile) {
    const auto dir = std::filesystem::path(checkpointFile).parent_path();
    return (dir / "audit-signing.pub").string();
}

Result<void> publishPublicKeyBeside(const std::string& checkpointFile, const Bytes& publicKey) {
    const std::string path = publicKeyBesideCheckpoints(checkpointFile);
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        auto have = readPublicKeyFile(path);
        if (have && *have == publicKey) {
            return {};
        }
        return makeError("audit.pubkey_mismatch",
                         path +
                             " holds another public key than the audit signing key; an "
                             "auditor would reject every new checkpoint");
    }
    return writeWholeFile(path, toHex(publicKey) + "\n", 0644);
}

AuditSigner::AuditSigner(AuditSigner&& other) noexcept
    : secretKey_(std::move(other.secretKey_)), publicKey_(std::move(other.publicKey_)) {}

AuditSigner::~AuditSigner() {
    if (!secretKey_.empty()) {
        sodium_memzero(secretKey_.data(), secretKey_.size());
    }
}

// The seed (first 32 bytes) is the key; the last 32 bytes are its public key. A file that
// loadOrCreateKeyFile has just filled with random bytes is completed once; a stored file
// whose halves disagree is corrupt and refused.
Result<AuditSigner> AuditSigner::loadOrCreate(const std::string& secretKeyPath) {
    if (auto r = initCrypto(); !r) {
        return r.error();
    }
    std::error_code ec;
    const bool existed = std::filesystem::exists(secretKeyPath, ec);
    auto secret = loadOrCreateKeyFile(secretKeyPath, kAuditSecretKeySize);
    if (!secret) {
        return secret.error();
    }
    Bytes pk(kAuditPublicKeySize, '\0');
    Bytes sk(kAuditSecretKeySize, '\0');
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                             reinterpret_cast<unsigned char*>(sk.data()), u8(*secret));
    sodium_memzero(secret->data(), secret->size());
    if (!existed) {
        if (auto w = writeWholeFile(secretKeyPath, sk, 0600); !w) {
            return w.error();
        }
    }
    sodium_memzero(sk.data(), sk.size());
    return load(secretKeyPath);
}

Result<AuditSigner> AuditSigner::load(const std::string& secretKeyPath) {
    if (auto r = initCrypto(); !r) {
        return r.error();
    }
    auto secret = loadKeyFile(secretKeyPath, kAuditSecretKeySize);
    if (!secret) {
        return secret.error();
    }
    Bytes pk(kAuditPublicKeySize, '\0');
    Bytes sk(kAuditSecretKeySize, '\0');
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                             reinterpret_cast<unsigned char*>(sk.data()), u8(*secret));
    const bool consistent = sodium_memcmp(sk.data(), secret->data(), sk.size()) == 0;
    sodium_memzero(secret->data(), secret->size());
    if (!consistent) {
        sodium_memzero(sk.data(), sk.size());
        return makeError("audit.key_corrupt", "audit signing key " + secretKeyPath +
                                                  " is not an Ed25519 key (seed and public "
                                                  "halves disagree)");
    }
    const std::string pubPath = publicKeyPathFor(secretKeyPath);
    const std::string pubText = toHex(pk) + "\n";
    std::ifstream existing(pubPath);
    std::stringstream have;
    have << existing.rdbuf();
    if (have.str() != pubText) {
        if (auto w = writeWholeFile(pubPath, pubText, 0644); !w) {
            return w.error();
        }
    }
    return AuditSigner(std::move(sk), std::move(pk));
}

Checkpoint AuditSigner::sign(std::uint64_t treeSize, const Hash& headHash, TimeUs timeUs) const {
    Checkpoint c;
    c.treeSize = treeSize;
    c.headHash = headHash;
    c.timeUs = timeUs;
    c.signature.assign(kAuditSignatureSize, '\0');
    const Bytes message = encodeCheckpoint(treeSize, headHash, timeUs);
    crypto_sign_detached(reinterpret_cast<unsigned char*>(c.signature.data()), nullptr, u8(message),
                         message.size(), u8(secretKey_));
    return c;
}

Result<void> appendCheckpointLine(const std::string& path, const std::string& json) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return makeError("audit.checkpoint_file",
                         "cannot open checkpoint file " + path + ": " + std::strerror(errno));
    }
    const std::string line = json + "\n";
    const ssize_t n = ::write(fd, line.data(), line.size());
    const int writeErrno = errno;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size()) || !synced) {
        return makeError("audit.checkpoint_file", "cannot append to checkpoint file " + path +
                                                      ": " + std::strerror(writeErrno));
    }
    return {};
}

Result<Checkpoint> writeCheckpoint(Database& db, const AuditSigner& signer, TimeUs nowUs,
                                   const std::string& checkpointFile) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
        return makeError("audit.checkpoint", "cannot start transaction: " + r.error().message);
    }
    auto stored = [&]() -> Result<Checkpoint> {
        auto head = readChainHead(db);
        if (!head) {
            return head.error();
        }
        auto newest = db.prepare(kNewestCheckpointTimeSql);
        if (!newest) {
            return newest.error();
        }
        auto newestRow = newest->step();
        if (!newestRow) {
            return newestRow.error();
        }
        const TimeUs newestUs = *newestRow ? newest->columnInt(0) : 0;
        // Never dated before the events it covers nor before an earlier checkpoint, so that
        // times stay ordered along seq and tree size (docs/audit.md, "Recorded time").
        const TimeUs signedUs = std::max({nowUs, head->timeUs, newestUs});
        Checkpoint c = signer.sign(head->seq, head->hash, signedUs);
        auto insert = db.prepare(kInsertCheckpointSql);
        if (!insert) {
            return insert.error();
        }
        insert->bind(1, static_cast<std::int64_t>(c.treeSize))
            .bindBlob(2, c.headHash.data(), c.headHash.size())
            .bind(3, std::int64_t{c.timeUs})
            .bindBlob(4, c.signature.data(), c.signature.size());
        if (auto r = insert->run(); !r) {
            return r.error();
        }
        if (auto r = db.exec("COMMIT"); !r) {
            return r.error();
        }
        return c;
    }();
    if (!stored) {
        (void)db.exec("ROLLBACK");
        return makeError("audit.checkpoint", "cannot store checkpoint: " + stored.error().message);
    }
    if (!checkpointFile.empty()) {
        if (auto r = appendCheckpointLine(checkpointFile, checkpointToJson(*stored)); !r) {
            return r.error();
        }
    }
    return stored;
}

Result<std::optional<Checkpoint>> checkpointIfKeyReadable(Database& db,
                                                          const std::string& secretKeyPath,
                                                          TimeUs nowUs,
                                                          const std::string& checkpointFile) {
    if (::access(secretKeyPath.c_str(), R_OK) != 0) {
        return std::optional<Checkpoint>{};
    }
    auto signer = AuditSigner::load(secretKeyPath);
    if (!signer) {
        return signer.error();
    }
    auto c = writeCheckpoint(db, *signer, nowUs, checkpointFile);
    if (!c) {
        return c.error();
    }
    return std::optional<Checkpoint>(std::move(*c));
}

}  // namespace sekimori::core
