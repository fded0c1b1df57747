#pragma once
// How a vault request proves who sent it (docs/vault-api.md "Authentication"): Ed25519 over
//   "sekimori-vault-v1\n" METHOD "\n" TARGET "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(body))
// in the headers X-Vault-Timestamp (Unix seconds), X-Vault-Nonce (16..64 of [A-Za-z0-9_-]) and
// X-Vault-Signature (128 hex), under a key pinned in [vault] public_key_file. A timestamp
// outside the allowed skew, or a nonce seen within it, is refused: a captured request cannot be
// played again. Pure, apart from the nonces it remembers.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/result.hpp"

namespace sekimori::vault {

// What is kept of an accepted request, in the event it causes: enough to check it again later.
struct SignedRequest {
    std::string method;  // "POST"
    std::string target;  // "/api/vault/windows"
    std::int64_t timestamp = 0;
    std::string nonce;
    std::string signature;  // hex
    std::string body;       // the exact bytes signed
};

// The signed string for a request.
std::string canonicalRequest(std::string_view method, std::string_view target,
                             std::int64_t timestamp, std::string_view nonce, std::string_view body);
// Whether `signature` (hex) is valid over the request under one of `keys` (32 bytes each).
bool signatureValid(const SignedRequest& request, const std::vector<core::Bytes>& keys);

// Reads the pinned keys: one 64-hex key per line, '#' comments and blank lines ignored.
core::Result<std::vector<core::Bytes>> readVaultKeys(const std::string& path);

// Error codes: vault.unauthenticated (missing or malformed headers, bad signature),
// vault.stale (timestamp outside the skew), vault.replayed (nonce already used).
class RequestAuthenticator {
  public:
    RequestAuthenticator(std::vector<core::Bytes> keys, std::int64_t skewSeconds);

    core::Result<SignedRequest> check(const std::map<std::string, std::string>& headers,
                                      std::string_view method, std::string_view target,
                                      std::string_view body, core::TimeUs nowUs);
    // A nonce the trail shows used (start-up): refused again while its timestamp is in skew.
    void remember(const std::string& nonce, std::int64_t timestamp);
    const std::vector<core::Bytes>& keys() const { return keys_; }
    std::size_t rememberedNonces() const { return nonces_.size(); }

  private:
    void forgetBefore(std::int64_t timestamp);

    std::vector<core::Bytes> keys_;
    std::int64_t skew_;
    std::map<std::string, std::int64_t> nonces_;  // nonce -> its timestamp
    std::multimap<std::int64_t, std::string> byTime_;
};

}  // namespace sekimori::vault
