#pragma once
// An Ed25519 key pair the tests sign vault requests with, as the vault would.
#include <string>

#include <gtest/gtest.h>
#include <sodium.h>

#include "core/crypto.hpp"

namespace sekimori::vault {

struct VaultTestKeys {
    std::string pub = std::string(crypto_sign_PUBLICKEYBYTES, '\0');
    std::string sec = std::string(crypto_sign_SECRETKEYBYTES, '\0');
    VaultTestKeys() {
        EXPECT_EQ(sodium_init() >= 0, true);
        crypto_sign_keypair(reinterpret_cast<unsigned char*>(pub.data()),
                            reinterpret_cast<unsigned char*>(sec.data()));
    }
    std::string sign(const std::string& message) const {
        std::string sig(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                             reinterpret_cast<const unsigned char*>(sec.data()));
        return core::toHex(sig);
    }
};

}  // namespace sekimori::vault
