#pragma once
// How a secret credential is bound to the person it belongs to, so that moving a stored row to
// another person (a database administrator swapping two PIN hash or template rows) makes it
// useless even before the row digests catch it:
//   PIN hash  = HMAC-SHA-256(pepper, lp("sekimori.pin.v1") lp(person id) lp(digits))
//   template  = XChaCha20-Poly1305 under the template key, associated data = the person id
//               (core::sealAead: version byte, nonce, ciphertext and tag).
// lp(x) is x's length as 4 bytes big-endian, then x (doors/README.md, "Credential binding").
#include <string>
#include <string_view>

#include "core/crypto.hpp"
#include "core/result.hpp"

namespace sekimori::doors {

// The stored PIN hash of `digits` for `person`.
core::Bytes pinHash(std::string_view pepper, std::string_view person, std::string_view digits);

// The template sealed for `person` (what door_fingerprints and door_pending_templates hold).
core::Bytes sealTemplate(std::string_view templateKey, std::string_view person,
                         std::string_view templateBytes);
// Opens a box sealed for `person`; an error for a box sealed for anyone else, or forged.
core::Result<core::Bytes> openTemplate(std::string_view templateKey, std::string_view person,
                                       std::string_view box);

}  // namespace sekimori::doors
