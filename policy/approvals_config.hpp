#pragma once
// The approvals' part of the site file: the optional [approvals] table (docs/config.md),
//   [approvals]
//   ttl_s = 86400   # how long a request waits for its approver; every kind's own when absent
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::policy {

struct ApprovalsConfig {
    std::optional<std::chrono::seconds> ttl;  // replaces each kind's ttl when set
};

class ApprovalsConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const ApprovalsConfig& config() const { return config_; }

  private:
    ApprovalsConfig config_;
};

}  // namespace sekimori::policy
