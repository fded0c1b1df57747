#pragma once
// The site file's [[witnesses]] (docs/config.md): the audit witnesses whose cosignatures the
// daemon collects. At least one is required when any zone is a management_area or a
// handling_area: there, the trail must be protected from the site's own administrators.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/config_section.hpp"

namespace sekimori::witness {

struct WitnessConfig {
    std::string id;                       // the witness's id and broker account ("w1")
    std::filesystem::path publicKeyFile;  // the witness's public key, hex (pinned)
    // Recorded as audit.witness_silent when a submit stays unanswered (or the witness's
    // state is unknown) this long.
    std::chrono::seconds silentAfter{30};
};

struct WitnessesConfig {
    std::vector<WitnessConfig> witnesses;
};

class WitnessConfigSection final : public core::ConfigSection {
  public:
    std::vector<std::string_view> keys() const override;
    void read(core::TomlTableReader& root, const std::filesystem::path& configDir,
              core::IdRegistry& ids) override;
    void check(const core::SiteConfig& site, const core::IdRegistry& ids,
               core::ConfigDiagnostics& diagnostics) override;

    const WitnessesConfig& config() const { return config_; }

  private:
    WitnessesConfig config_;
};

}  // namespace sekimori::witness
