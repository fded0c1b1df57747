#pragma once
// The door panel HAL on a host: core crypto for the panel key, the fingerprint model for the
// matcher, an io::MqttLink for the controller, and one JSON line per observable output (lock,
// display, sent message) to a sink, so tests and the scenario driver can watch the "hardware".
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.hpp"
#include "firmware/door_panel_hal.hpp"
#include "io/mqtt_link.hpp"
#include "protocol/topics.hpp"
#include "sim/file_cache_store.hpp"

namespace sekimori::sim {

class HostDoorPanelHal final : public firmware::DoorPanelHal {
  public:
    // Receives one compact JSON object per observable output, without a newline.
    using LineSink = std::function<void(const std::string& line)>;

    // `signingSeed`: the 32-byte Ed25519 seed of the panel's own signing key. `cacheFile`: where
    // the offline cache is kept encrypted (sim/file_cache_store); empty: not kept.
    HostDoorPanelHal(std::string site, std::string panel, core::Bytes panelKey,
                     core::Bytes signingSeed, io::MqttLink& link, LineSink sink,
                     std::filesystem::path cacheFile = {});
    ~HostDoorPanelHal() override;
    HostDoorPanelHal(const HostDoorPanelHal&) = delete;
    HostDoorPanelHal& operator=(const HostDoorPanelHal&) = delete;

    std::string sealPin(std::string_view challengeNonce, std::string_view digits) override;
    std::string mac(std::string_view input) override;
    std::string sign(std::string_view input) override;
    std::string freshNonce() override;
    std::optional<int> matchFinger(std::string_view templateBox,
                                   std::string_view liveSample) override;
    void publishRequest(const protocol::PanelRequest& request) override;
    void publishEvent(const protocol::PanelEvent& event) override;
    void publishAck(const protocol::PanelAck& ack) override;
    void driveLock(bool released, int ms) override;
    void display(const firmware::Display& display) override;
    std::optional<std::string> offlinePinHash(std::string_view person,
                                              std::string_view digits) override;
    void storeCache(std::string_view bytes) override;
    std::optional<std::string> loadCache() override;

  private:
    void send(protocol::PanelChannel channel, const std::string& payload);

    std::string site_;
    std::string panel_;
    core::Bytes panelKey_;
    core::Bytes macKey_;      // HMAC-SHA-256(panel key, "sekimori.panel.mac.v1")
    core::Bytes signingKey_;  // libsodium's 64-byte Ed25519 secret key
    io::MqttLink& link_;
    LineSink sink_;
    std::unique_ptr<FileCacheStore> cache_;
};

}  // namespace sekimori::sim
