#include "sim/offline_pin_hash.hpp"

#include <sodium.h>

#include <cstdint>

namespace sekimori::sim {

std::string offlinePinHash(const core::Bytes& panelKey, std::string_view person,
                           std::string_view digits) {
    const auto lp = [](std::string& out, std::string_view text) {
        const auto n = static_cast<std::uint32_t>(text.size());
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((n >> shift) & 0xff));
        }
        out.append(text);
    };
    core::Bytes key = core::keyedHash(panelKey, "sekimori.panel.offline_pin.v1");
    std::string message;
    lp(message, person);
    lp(message, digits);
    std::string hash = core::toHex(core::keyedHash(key, message));
    sodium_memzero(message.data(), message.size());  // the digits go no further
    sodium_memzero(key.data(), key.size());
    return hash;
}

}  // namespace sekimori::sim
