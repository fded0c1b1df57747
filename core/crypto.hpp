#pragma once
// The few primitives Sekimori uses, all from libsodium. Keys live in files outside the
// database, readable only by the daemon's user (mode 0600).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "core/result.hpp"

namespace sekimori::core {

// Must be called once before any other function here (safe to call again).
Result<void> initCrypto();

using Bytes = std::string;  // raw bytes; std::string for easy SQLite and payload handling

// Reads a key file of exactly `size` bytes; creates it with random bytes (mode 0600, parent
// directories 0700) when absent. Refuses a key file that group or others can read.
Result<Bytes> loadOrCreateKeyFile(const std::string& path, std::size_t size);
// Reads an existing key file; same permission check, no creation.
Result<Bytes> loadKeyFile(const std::string& path, std::size_t size);

Hash sha256(std::string_view data);

// Keyed hash for short secrets (PINs): HMAC-SHA-256 under a pepper key kept outside the
// database. A PIN has too few digits for a slow hash alone to protect it.
constexpr std::size_t kPepperKeySize = 32;
Bytes keyedHash(std::string_view key, std::string_view message);

// Compares in time independent of where the inputs differ.
bool constantTimeEqual(std::string_view a, std::string_view b);

// Authenticated encryption (XSalsa20-Poly1305 secretbox). Output is nonce || ciphertext.
constexpr std::size_t kBoxKeySize = 32;
Bytes sealBox(std::string_view key, std::string_view plaintext);
Result<Bytes> openBox(std::string_view key, std::string_view sealed);

// Authenticated encryption bound to associated data (XChaCha20-Poly1305 IETF): a box sealed
// for one context (a person id) does not open for another. Output is one version byte
// (kAeadVersion), the 24-byte nonce, then ciphertext and tag; the version byte is authenticated
// with the associated data.
constexpr std::uint8_t kAeadVersion = 1;
constexpr std::size_t kAeadOverhead = 1 + 24 + 16;
Bytes sealAead(std::string_view key, std::string_view plaintext, std::string_view associatedData);
Result<Bytes> openAead(std::string_view key, std::string_view sealed,
                       std::string_view associatedData);

// Password hashes for console logins: argon2id in libsodium's string format.
Result<std::string> hashPassword(std::string_view password);
bool verifyPassword(const std::string& hash, std::string_view password);

Bytes randomBytes(std::size_t size);
// A random token of `bytes` random bytes, URL-safe base64 without padding.
std::string randomToken(std::size_t bytes = 32);

std::string toHex(std::string_view bytes);
std::string toHex(const Hash& hash);
Result<Bytes> fromHex(std::string_view hex);
std::string toBase64(std::string_view bytes);
Result<Bytes> fromBase64(std::string_view text);

}  // namespace sekimori::core
