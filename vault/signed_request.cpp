#include "vault/signed_request.hpp"

#include <sodium.h>

#include <charconv>
#include <fstream>

namespace sekimori::vault {
namespace {

const unsigned char* u8(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::optional<std::string> header(const std::map<std::string, std::string>& headers,
                                  const char* name) {
    auto it = headers.find(name);
    if (it == headers.end()) {
        return std::nullopt;
    }
    return it->second;
}

bool nonceSyntaxOk(std::string_view nonce) {
    if (nonce.size() < 16 || nonce.size() > 64) {
        return false;
    }
    for (char c : nonce) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

core::Error unauthenticated(std::string message) {
    return core::makeError("vault.unauthenticated", std::move(message));
}

}  // namespace

std::string canonicalRequest(std::string_view method, std::string_view target,
                             std::int64_t timestamp, std::string_view nonce,
                             std::string_view body) {
    std::string out = "sekimori-vault-v1\n";
    out.append(method).append("\n").append(target).append("\n");
    out.append(std::to_string(timestamp)).append("\n").append(nonce).append("\n");
    out.append(core::toHex(core::sha256(body)));
    return out;
}

bool signatureValid(const SignedRequest& request, const std::vector<core::Bytes>& keys) {
    auto sig = core::fromHex(request.signature);
    if (!sig || sig->size() != crypto_sign_BYTES) {
        return false;
    }
    const std::string message = canonicalRequest(request.method, request.target, request.timestamp,
                                                 request.nonce, request.body);
    for (const auto& key : keys) {
        if (key.size() == crypto_sign_PUBLICKEYBYTES &&
            crypto_sign_verify_detached(u8(*sig), u8(message), message.size(), u8(key)) == 0) {
            return true;
        }
    }
    return false;
}

core::Result<std::vector<core::Bytes>> readVaultKeys(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return core::makeError("vault.key", path + ": cannot be read (the vault's public key)");
    }
    std::vector<core::Bytes> keys;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
            line.pop_back();
        }
        if (line.empty() || line[0] == '#') {
            continue;
        }
        auto key = core::fromHex(line);
        if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) {
            return core::makeError("vault.key", path + ":" + std::to_string(number) +
                                                    ": not a 32-byte Ed25519 public key in hex");
        }
        keys.push_back(std::move(*key));
    }
    if (keys.empty()) {
        return core::makeError("vault.key", path + ": holds no key");
    }
    return keys;
}

RequestAuthenticator::RequestAuthenticator(std::vector<core::Bytes> keys, std::int64_t skewSeconds)
    : keys_(std::move(keys)), skew_(skewSeconds) {}

core::Result<SignedRequest> RequestAuthenticator::check(
    const std::map<std::string, std::string>& headers, std::string_view method,
    std::string_view target, std::string_view body, core::TimeUs nowUs) {
    auto ts = header(headers, "x-vault-timestamp");
    auto nonce = header(headers, "x-vault-nonce");
    auto signature = header(headers, "x-vault-signature");
    if (!ts || !nonce || !signature) {
        return unauthenticated(
            "a vault request is signed: X-Vault-Timestamp, X-Vault-Nonce and X-Vault-Signature "
            "are required (docs/vault-api.md)");
    }
    SignedRequest request;
    const auto parsed = std::from_chars(ts->data(), ts->data() + ts->size(), request.timestamp);
    if (parsed.ec != std::errc() || parsed.ptr != ts->data() + ts->size() || ts->empty()) {
        return unauthenticated("X-Vault-Timestamp: not Unix seconds");
    }
    if (!nonceSyntaxOk(*nonce)) {
        return unauthenticated("X-Vault-Nonce: 16 to 64 of A-Z a-z 0-9 _ -");
    }
    request.method = std::string(method);
    request.target = std::string(target);
    request.nonce = *nonce;
    request.signature = *signature;
    request.body = std::string(body);
    if (!signatureValid(request, keys_)) {
        return unauthenticated("X-Vault-Signature: not valid under the vault's pinned key");
    }
    // Checked after the signature, so nobody learns our clock or nonces without the key.
    const std::int64_t now = nowUs / 1'000'000;
    if (request.timestamp < now - skew_ || request.timestamp > now + skew_) {
        return core::makeError("vault.stale", "X-Vault-Timestamp is " +
                                                  std::to_string(request.timestamp - now) +
                                                  " s from the controller's clock (allowed ±" +
                                                  std::to_string(skew_) + " s)");
    }
    forgetBefore(now - skew_);
    if (nonces_.count(request.nonce) != 0) {
        return core::makeError("vault.replayed",
                               "X-Vault-Nonce was already used: a request is accepted once");
    }
    remember(request.nonce, request.timestamp);
    return request;
}

void RequestAuthenticator::remember(const std::string& nonce, std::int64_t timestamp) {
    if (nonces_.emplace(nonce, timestamp).second) {
        byTime_.emplace(timestamp, nonce);
    }
}

void RequestAuthenticator::forgetBefore(std::int64_t timestamp) {
    // A nonce older than the skew cannot come back: its timestamp alone refuses it.
    while (!byTime_.empty() && byTime_.begin()->first < timestamp) {
        nonces_.erase(byTime_.begin()->second);
        byTime_.erase(byTime_.begin());
    }
}

}  // namespace sekimori::vault
