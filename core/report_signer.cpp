#include "core/report_signer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"

namespace sekimori::core {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

core::Error keyError(const std::string& path, const std::string& what) {
    return core::makeError("reports.signing_key", path + ": " + what);
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

core::Result<Pkey> generate() {
    EVP_PKEY* raw = nullptr;
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), &EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &raw) <= 0) {
        return core::makeError("reports.signing_key", "OpenSSL could not make an Ed25519 key");
    }
    return Pkey(raw);
}

// Written with O_EXCL and mode 0600 from the first byte: never readable by others, never a
// half-written key over an existing one.
core::Result<void> writePrivate(const std::string& path, EVP_PKEY* key) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return keyError(path, "could not encode the key");
    }
    const std::string pem = bioText(bio.get());
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return keyError(path, std::string("cannot create: ") + std::strerror(errno));
    }
    std::size_t done = 0;
    while (done < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + done, pem.size() - done);
        if (n <= 0) {
            ::close(fd);
            return keyError(path, std::string("cannot write: ") + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) {
        return keyError(path, "cannot sync");
    }
    return {};
}

core::Result<Pkey> readPrivate(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return keyError(path, std::string("cannot read: ") + std::strerror(errno));
    }
    if ((st.st_mode & 077) != 0) {
        return keyError(path, "readable by group or others (chmod 600)");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string pem = text.str();
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
        return keyError(path, "not an Ed25519 private key in PEM");
    }
    return key;
}

}  // namespace

struct ReportSigner::Key {
    Pkey pkey;
};

ReportSigner::ReportSigner(std::unique_ptr<Key> key) : key_(std::move(key)) {
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get());
    publicPem_ = bioText(bio.get());
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key_->pkey.get(), &der);
    if (n > 0) {
        fingerprint_ = core::toHex(core::sha256(
            std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n))));
        OPENSSL_free(der);
    }
}

ReportSigner::~ReportSigner() = default;
ReportSigner::ReportSigner(ReportSigner&&) noexcept = default;
ReportSigner& ReportSigner::operator=(ReportSigner&&) noexcept = default;

core::Result<ReportSigner> ReportSigner::loadOrCreate(const std::string& path, bool* created) {
    if (created != nullptr) {
        *created = false;
    }
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        auto key = generate();
        if (!key) {
            return key.error();
        }
        if (auto written = writePrivate(path, key->get()); !written) {
            return written.error();
        }
        if (created != nullptr) {
            *created = true;
        }
    }
    auto key = readPrivate(path);
    if (!key) {
        return key.error();
    }
    auto holder = std::make_unique<Key>();
    holder->pkey = std::move(*key);
    return ReportSigner(std::move(holder));
}

core::Result<std::string> ReportSigner::sign(std::string_view message) const {
    MdCtx ctx(EVP_MD_CTX_new());
    std::string sig(64, '\0');
    std::size_t len = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1) {
        return core::makeError("reports.sign", "OpenSSL could not sign the report");
    }
    sig.resize(len);
    return sig;
}

bool verifyReportSignature(const std::string& publicKeyPem, std::string_view message,
                           std::string_view signature) {
    Bio bio(BIO_new_mem_buf(publicKeyPem.data(), static_cast<int>(publicKeyPem.size())));
    Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    MdCtx ctx(EVP_MD_CTX_new());
    if (!key || !ctx ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

}  // namespace sekimori::core
