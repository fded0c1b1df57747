#pragma once
// The daemon's report-signing key: Ed25519, made with OpenSSL at first start and kept as a
// PKCS#8 PEM file of mode 0600 (<key_dir>/report-signing.key), one key for every signed report
// (the compliance summary, the drill reports), so an auditor pins one fingerprint. In core
// because several domains sign with it. A report is signed as a detached
// signature over its exact bytes, so that `openssl pkeyutl -verify -pubin -inkey pub.pem -rawin
// -in report.html -sigfile report.html.sig` checks it with nothing of ours (docs/reports.md).
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sekimori::core {

class ReportSigner {
  public:
    // Reads the key at `path`, or makes one there when the file does not exist (`created` is
    // then true). A file that is not an Ed25519 private key, or readable by others, is an error.
    static core::Result<ReportSigner> loadOrCreate(const std::string& path,
                                                   bool* created = nullptr);
    ~ReportSigner();
    ReportSigner(ReportSigner&&) noexcept;
    ReportSigner& operator=(ReportSigner&&) noexcept;

    // The 64-byte signature of `message`. Thread-safe (a fresh context per call).
    core::Result<std::string> sign(std::string_view message) const;
    // SubjectPublicKeyInfo as PEM ("-----BEGIN PUBLIC KEY-----").
    const std::string& publicKeyPem() const { return publicPem_; }
    // Hex SHA-256 of the public key's DER: the fingerprint the reports name.
    const std::string& fingerprint() const { return fingerprint_; }

  private:
    struct Key;
    explicit ReportSigner(std::unique_ptr<Key> key);
    std::unique_ptr<Key> key_;
    std::string publicPem_;
    std::string fingerprint_;
};

// Whether `signature` is `message`'s under the PEM public key (for tests and the CLI).
bool verifyReportSignature(const std::string& publicKeyPem, std::string_view message,
                           std::string_view signature);

}  // namespace sekimori::core
