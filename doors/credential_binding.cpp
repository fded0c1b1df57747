#include "doors/credential_binding.hpp"

#include <sodium.h>

#include <cstdint>

namespace sekimori::doors {
namespace {

constexpr std::string_view kPinTag = "sekimori.pin.v1";

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

core::Bytes sealTemplate(std::string_view templateKey, std::string_view person,
                         std::string_view templateBytes) {
    return core::sealAead(templateKey, templateBytes, person);
}

core::Result<core::Bytes> openTemplate(std::string_view templateKey, std::string_view person,
                                       std::string_view box) {
    return core::openAead(templateKey, box, person);
}

}  // namespace sekimori::doors
