#pragma once
// The offline PIN hash a host panel or gate computes for the typed digits (docs/mqtt.md,
// "Offline operation"), compared by the firmware with the cache entry's pin_hash: hex
// HMAC-SHA-256(key = HMAC-SHA-256(panel key, "sekimori.panel.offline_pin.v1"), lp(person)
// lp(digits)), lp = 4-byte big-endian length. The controller's side is
// doors/credential_binding's offlinePinHash; tests/sim checks the two agree.
#include <string>
#include <string_view>

#include "core/crypto.hpp"

namespace sekimori::sim {

std::string offlinePinHash(const core::Bytes& panelKey, std::string_view person,
                           std::string_view digits);

}  // namespace sekimori::sim
