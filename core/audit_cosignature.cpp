#include "core/audit_cosignature.hpp"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/audit_checkpoint.hpp"

namespace sekimori::core {
namespace {

const unsigned char* u8(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

void putU32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
}

void putU64(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
}

void putLp(Bytes& out, std::string_view s) {
    putU32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

Result<Bytes> hexField(const nlohmann::json& j, const char* name, std::size_t size) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) {
        return makeError("witness.log_json", std::string(name) + ": missing or not a string");
    }
    auto bytes = fromHex(it->get<std::string>());
    if (!bytes || bytes->size() != size) {
        return makeError("witness.log_json", std::string(name) + ": must be " +
                                                 std::to_string(size * 2) + " hex digits");
    }
    return bytes;
}

}  // namespace

Bytes encodeCosignature(std::string_view witness, std::string_view site, std::uint64_t treeSize,
                        const Hash& headHash, TimeUs checkpointTimeUs, TimeUs witnessTimeUs) {
    Bytes out;
    out.reserve(4 + kAuditCosignatureTag.size() + 8 + witness.size() + site.size() + 8 + 32 + 16);
    putLp(out, kAuditCosignatureTag);
    putLp(out, witness);
    putLp(out, site);
    putU64(out, treeSize);
    out.append(reinterpret_cast<const char*>(headHash.data()), headHash.size());
    putU64(out, static_cast<std::uint64_t>(checkpointTimeUs));
    putU64(out, static_cast<std::uint64_t>(witnessTimeUs));
    return out;
}

bool verifyCosignature(const Cosignature& c, std::string_view witnessPublicKey) {
    if (witnessPublicKey.size() != kAuditPublicKeySize ||
        c.signature.size() != kAuditSignatureSize) {
        return false;
    }
    const Bytes message = encodeCosignature(c.witness, c.site, c.treeSize, c.headHash,
                                            c.checkpointTimeUs, c.witnessTimeUs);
    return crypto_sign_verify_detached(u8(c.signature), u8(message), message.size(),
                                       u8(witnessPublicKey)) == 0;
}

std::string witnessLogEntryToJson(const WitnessLogEntry& entry) {
    const Cosignature& c = entry.cosignature;
    nlohmann::ordered_json j;
    j["witness"] = c.witness;
    j["site"] = c.site;
    j["tree_size"] = c.treeSize;
    j["head_hash"] = toHex(c.headHash);
    j["checkpoint_time_us"] = c.checkpointTimeUs;
    j["witness_time_us"] = c.witnessTimeUs;
    j["signature"] = toHex(c.signature);
    j["recorded_time_us"] = entry.recordedTimeUs;
    j["checkpoint_signature"] = toHex(entry.checkpointSignature);
    return j.dump();
}

Result<WitnessLogEntry> witnessLogEntryFromJson(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return makeError("witness.log_json", "not a JSON object");
    }
    WitnessLogEntry entry;
    Cosignature& c = entry.cosignature;
    const auto text = [&](const char* name, std::string& out) {
        auto it = j.find(name);
        if (it == j.end() || !it->is_string()) {
            return false;
        }
        out = it->get<std::string>();
        return true;
    };
    const auto integer = [&](const char* name, TimeUs& out) {
        auto it = j.find(name);
        if (it == j.end() || !it->is_number_integer()) {
            return false;
        }
        out = it->get<std::int64_t>();
        return true;
    };
    auto size = j.find("tree_size");
    if (!text("witness", c.witness) || !text("site", c.site) || size == j.end() ||
        !size->is_number_unsigned() || !integer("checkpoint_time_us", c.checkpointTimeUs) ||
        !integer("witness_time_us", c.witnessTimeUs) ||
        !integer("recorded_time_us", entry.recordedTimeUs)) {
        return makeError("witness.log_json",
                         "needs witness, site, tree_size (unsigned), checkpoint_time_us, "
                         "witness_time_us and recorded_time_us");
    }
    c.treeSize = size->get<std::uint64_t>();
    auto head = hexField(j, "head_hash", 32);
    if (!head) {
        return head.error();
    }
    std::copy(head->begin(), head->end(), c.headHash.begin());
    auto signature = hexField(j, "signature", kAuditSignatureSize);
    if (!signature) {
        return signature.error();
    }
    c.signature = std::move(*signature);
    auto checkpointSignature = hexField(j, "checkpoint_signature", kAuditSignatureSize);
    if (!checkpointSignature) {
        return checkpointSignature.error();
    }
    entry.checkpointSignature = std::move(*checkpointSignature);
    return entry;
}

CosignatureSigner::CosignatureSigner(CosignatureSigner&& other) noexcept
    : secretKey_(std::move(other.secretKey_)), publicKey_(std::move(other.publicKey_)) {}

CosignatureSigner::~CosignatureSigner() {
    if (!secretKey_.empty()) {
        sodium_memzero(secretKey_.data(), secretKey_.size());
    }
}

// AuditSigner owns the key file format (create 0600, check the halves agree, write the .pub);
// the witness's key is such a file, so it is made and checked by the same code.
Result<CosignatureSigner> CosignatureSigner::loadOrCreate(const std::string& secretKeyPath) {
    auto checked = AuditSigner::loadOrCreate(secretKeyPath);
    if (!checked) {
        return checked.error();
    }
    auto secret = loadKeyFile(secretKeyPath, kAuditSecretKeySize);
    if (!secret) {
        return secret.error();
    }
    return CosignatureSigner(std::move(*secret), checked->publicKey());
}

Cosignature CosignatureSigner::sign(std::string witness, std::string site, std::uint64_t treeSize,
                                    const Hash& headHash, TimeUs checkpointTimeUs,
                                    TimeUs witnessTimeUs) const {
    Cosignature c;
    c.witness = std::move(witness);
    c.site = std::move(site);
    c.treeSize = treeSize;
    c.headHash = headHash;
    c.checkpointTimeUs = checkpointTimeUs;
    c.witnessTimeUs = witnessTimeUs;
    c.signature.assign(kAuditSignatureSize, '\0');
    const Bytes message =
        encodeCosignature(c.witness, c.site, treeSize, headHash, checkpointTimeUs, witnessTimeUs);
    crypto_sign_detached(reinterpret_cast<unsigned char*>(c.signature.data()), nullptr, u8(message),
                         message.size(), u8(secretKey_));
    return c;
}

}  // namespace sekimori::core
