#pragma once
// The [vault] section of the site file (docs/config.md): the vault's pinned signing key, the
// handling areas it may speak for, and the presence push's timing. Without [vault] the domain
// does not run (and a zone ruled work_window admits nobody).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::vault {

struct VaultConfig {
    bool enabled = false;
    // Hex Ed25519 public keys of the vault, one per line (a rotation lists old and new); every
    // request and every recorded request is checked against them (docs/vault-api.md).
    std::filesystem::path publicKeyFile;
    std::vector<std::string> areas;       // zones the vault's windows may name (handling areas)
    std::chrono::seconds clockSkew{300};  // a request's timestamp may be this far off
    std::chrono::seconds pushResend{5};   // unacknowledged presence pushes are sent again
    std::size_t maxBatch = 5000;          // handlers in one request
};

class VaultConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;
    const VaultConfig& config() const { return config_; }

  private:
    VaultConfig config_;
    std::string areasPath_;
};

}  // namespace sekimori::vault
