#pragma once
// The vault link as the daemon runs it (docs/vault-api.md): the signed REST routes the vault
// calls (handlers, windows, authorize, presence catch-up and acknowledgement), the window book
// published on the bus for the doors' ticket-bound entry, the presence pushes over MQTT, and
// the alarm when a handler is still inside as their window ends. State comes from the trail
// alone (vault/vault_state.hpp), rebuilt at start on a thread of its own; until then every
// vault request answers 503 and no work-window zone admits anyone.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "io/mqtt_router.hpp"
#include "vault/vault_config.hpp"

namespace sekimori::vault {

struct VaultServiceParts {
    boost::asio::any_io_executor executor;
    io::MqttRouter& router;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    std::string site;
    int utcOffsetMinutes = 540;
    VaultConfig config;
    std::vector<core::Bytes> vaultKeys;  // [vault] public_key_file
    std::string databasePath;            // read-only, for the start-up rebuild
    std::filesystem::path webDir;        // vault/web: the console's page
};

// The roles that see the vault link's page and status.
inline const core::RoleSet kVaultViewers{core::Role::deskOperator, core::Role::securityAdmin,
                                         core::Role::auditor};

class VaultService final : public core::Service {
  public:
    static core::Result<std::unique_ptr<VaultService>> create(VaultServiceParts parts);
    ~VaultService() override;

    std::string_view name() const override { return "vault"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

    // The MQTT topic of the presence pushes.
    static std::string pushTopic(const std::string& site);

    struct Impl;

  private:
    explicit VaultService(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::vault
