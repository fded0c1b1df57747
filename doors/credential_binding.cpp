#include "doors/credential_binding.hpp"

#include <sodium.h>

#include <cstdint>

namespace sekimori::doors {
namespace {

constexpr std::string_view kPinTag = "sekimori.pin.v1";
constexpr std::string_view kKeypadTag = "sekimori.keypad.v1";

void wipe(std::string& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
}

void appendLengthPrefixed(std::string& out, std::string_view part) {
    const auto size = static_cast<std::uint32_t>(part.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((size >> shift) & 0xFFU));
    }
    out.append(part);
}

}  // namespace

core::Bytes pinHash(std::string_view pepper, std::string_view person, std::string_view digits) {
    std::string message;
    message.reserve(12 + kPinTag.size() + person.size() + digits.size());
    appendLengthPrefixed(message, kPinTag);
    appendLengthPrefixed(message, person);
    appendLengthPrefixed(message, digits);
    core::Bytes hash = core::keyedHash(pepper, message);
    sodium_memzero(message.data(), message.size());  // it holds the digits
    return hash;
}

std::string offlinePinHash(std::string_view panelKey, std::string_view person,
                           std::string_view digits) {
    core::Bytes key = core::keyedHash(panelKey, "sekimori.panel.offline_pin.v1");
    std::string message;
    appendLengthPrefixed(message, person);
    appendLengthPrefixed(message, digits);
    core::Bytes hash = core::keyedHash(key, message);
    sodium_memzero(message.data(), message.size());
    sodium_memzero(key.data(), key.size());
    return core::toHex(hash);
}

std::string duressOrigin(std::string_view digits) {
    if (digits.empty() || digits.back() < '0' || digits.back() > '9') {
        return {};
    }
    std::string origin(digits);
    origin.back() = origin.back() == '0' ? '9' : static_cast<char>(origin.back() - 1);
    return origin;
}

PinCheck pinCheck(std::string_view pepper, std::string_view person, const core::Bytes& enrolledHash,
                  std::string_view digits) {
    if (enrolledHash.empty() || person.empty()) {
        return PinCheck::mismatch;
    }
    // Both comparisons always run, so the time taken says nothing about which one held. A
    // non-digit last character has no duress origin; its stand-in never matches.
    std::string origin = duressOrigin(digits);
    const bool hasOrigin = !origin.empty();
    const bool exact = core::constantTimeEqual(pinHash(pepper, person, digits), enrolledHash);
    const bool duress = core::constantTimeEqual(pinHash(pepper, person, origin), enrolledHash);
    wipe(origin);
    if (exact) {
        return PinCheck::match;
    }
    return duress && hasOrigin ? PinCheck::duress : PinCheck::mismatch;
}

core::Bytes keypadCodeHash(std::string_view pepper, std::string_view digits) {
    std::string message;
    message.reserve(8 + kKeypadTag.size() + digits.size());
    appendLengthPrefixed(message, kKeypadTag);
    appendLengthPrefixed(message, digits);
    core::Bytes hash = core::keyedHash(pepper, message);
    wipe(message);  // it holds the digits
    return hash;
}

core::Bytes sealTemplate(std::string_view templateKey, std::string_view person,
                         std::string_view templateBytes) {
    return core::sealAead(templateKey, templateBytes, person);
}

core::Result<core::Bytes> openTemplate(std::string_view templateKey, std::string_view person,
                                       std::string_view box) {
    return core::openAead(templateKey, box, person);
}

}  // namespace sekimori::doors
