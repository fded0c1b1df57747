#pragma once
// How a secret credential is bound to the person it belongs to, so that moving a stored row to
// another person (a database administrator swapping two PIN hash or template rows) makes it
// useless even before the row digests catch it:
//   PIN hash  = HMAC-SHA-256(pepper, lp("sekimori.pin.v1") lp(person id) lp(digits))
//   keypad code hash = HMAC-SHA-256(pepper, lp("sekimori.keypad.v1") lp(digits)): not bound to a
//               person, because the code is what names the person at a keypad-only door
//   template  = XChaCha20-Poly1305 under the template key, associated data = the person id
//               (core::sealAead: version byte, nonce, ciphertext and tag).
// lp(x) is x's length as 4 bytes big-endian, then x (doors/README.md, "Credential binding").
#include <string>
#include <string_view>
#include <utility>

#include "core/crypto.hpp"
#include "core/result.hpp"

namespace sekimori::doors {

// The stored PIN hash of `digits` for `person`.
core::Bytes pinHash(std::string_view pepper, std::string_view person, std::string_view digits);

// What the digits entered at a panel are to the person's enrolled PIN. Duress is the PIN with its
// last digit one higher (9 -> 0): the door opens as for the PIN and a silent alarm is raised
// (access.duress).
enum class PinCheck { match, duress, mismatch };

// The PIN whose duress variant `digits` are (the last digit one lower, 0 -> 9); empty when the
// last character is not a digit.
std::string duressOrigin(std::string_view digits);

// Compares `digits` and their duress origin against `enrolledHash` (pinHash of `person`), both
// always, in constant time. Mismatch when no PIN is enrolled.
PinCheck pinCheck(std::string_view pepper, std::string_view person, const core::Bytes& enrolledHash,
                  std::string_view digits);

// The keypad code hash of `digits` (door_keypad_codes.code_hash).
core::Bytes keypadCodeHash(std::string_view pepper, std::string_view digits);

// The person a keypad code names: the holder of exactly these digits, else (duress) the holder
// of their duress origin. `personByHash(const core::Bytes&) -> const std::string*` is the
// snapshot's lookup (CredentialSnapshot::personByKeypadHash). An exact code wins over a duress
// one, so enrollment should refuse a code that is another person's code plus one.
struct KeypadMatch {
    const std::string* person = nullptr;  // null: unknown_code
    bool duress = false;
};
template <class Lookup>
KeypadMatch matchKeypadCode(std::string_view pepper, std::string_view digits,
                            const Lookup& personByHash) {
    if (const std::string* person = personByHash(keypadCodeHash(pepper, digits))) {
        return KeypadMatch{person, false};
    }
    const std::string origin = duressOrigin(digits);
    if (!origin.empty()) {
        if (const std::string* person = personByHash(keypadCodeHash(pepper, origin))) {
            return KeypadMatch{person, true};
        }
    }
    return KeypadMatch{};
}

// Issue 15: the PIN's hash as the panel checks it offline (docs/mqtt.md "Offline operation"):
// hex HMAC-SHA-256 under HMAC-SHA-256(panel key, "sekimori.panel.offline_pin.v1"), over
// lp(person) lp(digits). Computed at PIN enrollment for every declared panel
// (door_offline_pins); the panel's HAL computes the same from the digits entered.
std::string offlinePinHash(std::string_view panelKey, std::string_view person,
                           std::string_view digits);

// The template sealed for `person` (what door_fingerprints and door_pending_templates hold).
core::Bytes sealTemplate(std::string_view templateKey, std::string_view person,
                         std::string_view templateBytes);
// Opens a box sealed for `person`; an error for a box sealed for anyone else, or forged.
core::Result<core::Bytes> openTemplate(std::string_view templateKey, std::string_view person,
                                       std::string_view box);

}  // namespace sekimori::doors
