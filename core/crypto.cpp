#include "core/crypto.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sekimori::core {
namespace {

const unsigned char* u8(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* u8(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}

Result<Bytes> readKey(const std::string& path, std::size_t size) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return makeError("crypto.key_missing",
                         "cannot read key file " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        ::close(fd);
        return makeError("crypto.key_permissions",
                         "key file " + path + " is readable by group or others; chmod 600 it");
    }
    Bytes key(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::read(fd, key.data() + got, size - got);
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    char extra = 0;
    const bool longer = ::read(fd, &extra, 1) > 0;
    ::close(fd);
    if (got != size || longer) {
        sodium_memzero(key.data(), key.size());
        return makeError("crypto.key_size", "key file " + path + " must hold exactly " +
                                                std::to_string(size) + " bytes");
    }
    return key;
}

}  // namespace

Result<void> initCrypto() {
    if (sodium_init() < 0) {
        return makeError("crypto.init", "libsodium failed to initialise");
    }
    return {};
}

Result<Bytes> loadKeyFile(const std::string& path, std::size_t size) {
    return readKey(path, size);
}

Result<Bytes> loadOrCreateKeyFile(const std::string& path, std::size_t size) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
            std::filesystem::create_directories(parent, ec);
            if (ec) {
                return makeError("crypto.key_dir",
                                 "cannot create " + parent.string() + ": " + ec.message());
            }
            ::chmod(parent.c_str(), 0700);
        }
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno != EEXIST) {
                return makeError("crypto.key_create",
                                 "cannot create key file " + path + ": " + std::strerror(errno));
            }
        } else {
            Bytes key = randomBytes(size);
            const bool written =
                ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
            const bool synced = ::fsync(fd) == 0;
            ::close(fd);
            sodium_memzero(key.data(), key.size());
            if (!written || !synced) {
                ::unlink(path.c_str());
                return makeError("crypto.key_create", "cannot write key file " + path);
            }
        }
    }
    return readKey(path, size);
}

Hash sha256(std::string_view data) {
    Hash out{};
    crypto_hash_sha256(out.data(), u8(data), data.size());
    return out;
}

Bytes keyedHash(std::string_view key, std::string_view message) {
    Bytes out(crypto_auth_hmacsha256_BYTES, '\0');
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, u8(key), key.size());
    crypto_auth_hmacsha256_update(&state, u8(message), message.size());
    crypto_auth_hmacsha256_final(&state, u8(out));
    sodium_memzero(&state, sizeof state);
    return out;
}

bool constantTimeEqual(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes sealBox(std::string_view key, std::string_view plaintext) {
    Bytes out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
    randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(u8(out) + crypto_secretbox_NONCEBYTES, u8(plaintext), plaintext.size(),
                          u8(out), u8(key));
    return out;
}

Result<Bytes> openBox(std::string_view key, std::string_view sealed) {
    if (key.size() != crypto_secretbox_KEYBYTES) {
        return makeError("crypto.key_size", "secretbox key must be 32 bytes");
    }
    if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        return makeError("crypto.box_short", "sealed box is too short");
    }
    Bytes out(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(u8(out), u8(sealed) + crypto_secretbox_NONCEBYTES,
                                   sealed.size() - crypto_secretbox_NONCEBYTES, u8(sealed),
                                   u8(key)) != 0) {
        return makeError("crypto.box_forged", "sealed box failed authentication");
    }
    return out;
}

namespace {

// The version byte is authenticated too: lp-free since it has a fixed size.
Bytes aeadAssociatedData(std::string_view associatedData) {
    Bytes ad(1, static_cast<char>(kAeadVersion));
    ad.append(associatedData);
    return ad;
}

}  // namespace

Bytes sealAead(std::string_view key, std::string_view plaintext, std::string_view associatedData) {
    static_assert(kAeadOverhead == 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                                       crypto_aead_xchacha20poly1305_ietf_ABYTES);
    const Bytes ad = aeadAssociatedData(associatedData);
    Bytes out(kAeadOverhead + plaintext.size(), '\0');
    out[0] = static_cast<char>(kAeadVersion);
    unsigned char* nonce = u8(out) + 1;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                               &written, u8(plaintext), plaintext.size(), u8(ad),
                                               ad.size(), nullptr, nonce, u8(key));
    return out;
}

Result<Bytes> openAead(std::string_view key, std::string_view sealed,
                       std::string_view associatedData) {
    if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        return makeError("crypto.key_size", "AEAD key must be 32 bytes");
    }
    if (sealed.size() < kAeadOverhead) {
        return makeError("crypto.box_short", "sealed box is too short");
    }
    if (static_cast<std::uint8_t>(sealed[0]) != kAeadVersion) {
        return makeError("crypto.box_version",
                         "sealed box has version " +
                             std::to_string(static_cast<std::uint8_t>(sealed[0])) + ", expected " +
                             std::to_string(kAeadVersion));
    }
    const Bytes ad = aeadAssociatedData(associatedData);
    const unsigned char* nonce = u8(sealed) + 1;
    const std::size_t cipherSize = sealed.size() - 1 - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    Bytes out(sealed.size() - kAeadOverhead, '\0');
    unsigned long long opened = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            u8(out), &opened, nullptr, nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            cipherSize, u8(ad), ad.size(), nonce, u8(key)) != 0) {
        sodium_memzero(out.data(), out.size());
        return makeError("crypto.box_forged",
                         "sealed box failed authentication (wrong key or associated data)");
    }
    return out;
}

Result<std::string> hashPassword(std::string_view password) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return makeError("crypto.pwhash", "out of memory while hashing a password");
    }
    return std::string(out);
}

bool verifyPassword(const std::string& hash, std::string_view password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

Bytes randomBytes(std::size_t size) {
    Bytes out(size, '\0');
    randombytes_buf(out.data(), size);
    return out;
}

std::string randomToken(std::size_t bytes) {
    const Bytes raw = randomBytes(bytes);
    std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                    '\0');
    sodium_bin2base64(out.data(), out.size(), u8(raw), raw.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::string toHex(std::string_view bytes) {
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), u8(bytes), bytes.size());
    out.pop_back();
    return out;
}

std::string toHex(const Hash& hash) {
    return toHex(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

Result<Bytes> fromHex(std::string_view hex) {
    Bytes out(hex.size() / 2 + 1, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(u8(out), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
        end != hex.data() + hex.size() || hex.size() % 2 != 0) {
        return makeError("crypto.bad_hex", "not a hex string");
    }
    out.resize(len);
    return out;
}

std::string toBase64(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), u8(bytes), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(std::strlen(out.c_str()));
    return out;
}

Result<Bytes> fromBase64(std::string_view text) {
    Bytes out(text.size(), '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(u8(out), out.size(), text.data(), text.size(), nullptr, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size()) {
        return makeError("crypto.bad_base64", "not a base64 string");
    }
    out.resize(len);
    return out;
}

}  // namespace sekimori::core
