#pragma once
// The circle gate HAL on a host: core crypto for the panel key, the fingerprint model for the
// booth reader's matcher, an io::MqttLink for the controller, and one JSON line per observable
// output (each leaf's drive, each reader's screen, each message sent) to a sink, so tests and the
// scenario driver can watch the "hardware" (sim/README.md, sekimori-sim-gate).
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.hpp"
#include "firmware/circle_gate_hal.hpp"
#include "io/mqtt_link.hpp"
#include "protocol/topics.hpp"
#include "sim/file_cache_store.hpp"

namespace sekimori::sim {

class HostCircleGateHal final : public firmware::gate::CircleGateHal {
  public:
    // Receives one compact JSON object per observable output, without a newline.
    using LineSink = std::function<void(const std::string& line)>;
    // Told each leaf drive, so the simulated leaf operator can move the leaf.
    using LeafListener = std::function<void(firmware::gate::Leaf leaf, bool released)>;

    // `signingSeed`: the 32-byte Ed25519 seed of the gate controller's own signing key.
    // `cacheFile`: where the offline cache is kept encrypted (sim/file_cache_store); empty: not
    // kept.
    HostCircleGateHal(std::string site, std::string panel, core::Bytes panelKey,
                      core::Bytes signingSeed, io::MqttLink& link, LineSink sink,
                      LeafListener onLeaf = {}, std::filesystem::path cacheFile = {});
    ~HostCircleGateHal() override;
    HostCircleGateHal(const HostCircleGateHal&) = delete;
    HostCircleGateHal& operator=(const HostCircleGateHal&) = delete;

    std::string sealPin(std::string_view nonce, std::string_view digits) override;
    std::string mac(std::string_view input) override;
    std::string sign(std::string_view input) override;
    std::string freshNonce() override;
    std::optional<int> matchFinger(std::string_view templateBox,
                                   std::string_view liveSample) override;
    void publishRequest(const protocol::PanelRequest& request) override;
    void publishEvent(std::string_view payload) override;
    void publishAck(const protocol::PanelAck& ack) override;
    void driveLeaf(firmware::gate::Leaf leaf, bool released) override;
    void display(const firmware::gate::Display& display) override;
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
    LeafListener onLeaf_;
    std::unique_ptr<FileCacheStore> cache_;
};

}  // namespace sekimori::sim
