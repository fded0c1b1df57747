#pragma once
// The vault domain on a site without a [vault] section: no signed routes (a vault request gets
// the console's 404), GET /api/vault/status answers {"configured": false} and the console page
// says the link is off and how to turn it on — the desk and the auditor see that the site has
// no vault link rather than a page that is missing.
#include <filesystem>

#include "core/service.hpp"

namespace sekimori::vault {

class VaultLinkOff final : public core::Service {
  public:
    explicit VaultLinkOff(std::filesystem::path webDir) : webDir_(std::move(webDir)) {}

    std::string_view name() const override { return "vault"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

  private:
    std::filesystem::path webDir_;
};

}  // namespace sekimori::vault
