#include "vault/vault_link_off.hpp"

#include "vault/vault_service.hpp"

namespace sekimori::vault {

std::vector<core::ApiRoute> VaultLinkOff::routes() {
    core::ApiRoute status;
    status.method = core::HttpMethod::get;
    status.pattern = "/api/vault/status";
    status.roles = kVaultViewers;
    status.handler = [](const core::ApiCall&, core::ApiReply reply) {
        reply(core::ApiResult{200, nlohmann::json{{"configured", false}}});
    };
    return {std::move(status)};
}

// A trail kept before the link was turned off still holds vault events.
std::vector<core::EventVisibility> VaultLinkOff::eventVisibility() {
    return {{"vault.", kVaultViewers}};
}

std::optional<core::UiPlugin> VaultLinkOff::uiPlugin() {
    return core::UiPlugin{"vault", webDir_, "index.js", kVaultViewers};
}

}  // namespace sekimori::vault
