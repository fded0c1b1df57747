#include "sim/host_door_panel_hal.hpp"

#include <sodium.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "protocol/panel_commands.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"
#include "sim/fingerprint_model.hpp"
#include "sim/offline_pin_hash.hpp"

namespace sekimori::sim {

namespace {
using Json = nlohmann::ordered_json;

std::string line(const Json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

HostDoorPanelHal::HostDoorPanelHal(std::string site, std::string panel, core::Bytes panelKey,
                                   core::Bytes signingSeed, io::MqttLink& link, LineSink sink,
                                   std::filesystem::path cacheFile)
    : site_(std::move(site)),
      panel_(std::move(panel)),
      panelKey_(std::move(panelKey)),
      macKey_(core::keyedHash(panelKey_, protocol::kMacKeyLabel)),
      signingKey_(crypto_sign_SECRETKEYBYTES, '\0'),
      link_(link),
      sink_(std::move(sink)) {
    if (!cacheFile.empty()) {
        cache_ = std::make_unique<FileCacheStore>(std::move(cacheFile), panelKey_);
    }
    std::string publicKey(crypto_sign_PUBLICKEYBYTES, '\0');
    if (signingSeed.size() == crypto_sign_SEEDBYTES) {
        crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(publicKey.data()),
                                 reinterpret_cast<unsigned char*>(signingKey_.data()),
                                 reinterpret_cast<const unsigned char*>(signingSeed.data()));
    }
    sodium_memzero(signingSeed.data(), signingSeed.size());
}

HostDoorPanelHal::~HostDoorPanelHal() {
    sodium_memzero(panelKey_.data(), panelKey_.size());
    sodium_memzero(macKey_.data(), macKey_.size());
    sodium_memzero(signingKey_.data(), signingKey_.size());
}

std::string HostDoorPanelHal::sealPin(std::string_view challengeNonce, std::string_view digits) {
    std::string plain(challengeNonce);
    plain.push_back(':');
    plain.append(digits);
    std::string box = core::toBase64(core::sealBox(panelKey_, plain));
    sodium_memzero(plain.data(), plain.size());
    return box;
}

std::string HostDoorPanelHal::mac(std::string_view input) {
    return core::toHex(core::keyedHash(macKey_, input));
}

std::string HostDoorPanelHal::sign(std::string_view input) {
    std::string signature(crypto_sign_BYTES, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                         reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                         reinterpret_cast<const unsigned char*>(signingKey_.data()));
    return core::toHex(signature);
}

std::string HostDoorPanelHal::freshNonce() {
    return core::toHex(core::randomBytes(16));
}

std::optional<int> HostDoorPanelHal::matchFinger(std::string_view templateBox,
                                                 std::string_view liveSample) {
    const auto sealed = core::fromBase64(templateBox);
    if (!sealed) {
        return std::nullopt;
    }
    const auto fingerprintTemplate = core::openBox(panelKey_, *sealed);
    if (!fingerprintTemplate) {
        return std::nullopt;
    }
    return fingerprintScore(*fingerprintTemplate, liveSample);
}

void HostDoorPanelHal::publishRequest(const protocol::PanelRequest& request) {
    send(protocol::PanelChannel::request, protocol::encode(request));
}

void HostDoorPanelHal::publishEvent(const protocol::PanelEvent& event) {
    send(protocol::PanelChannel::event, protocol::encode(event));
}

void HostDoorPanelHal::publishAck(const protocol::PanelAck& ack) {
    send(protocol::PanelChannel::ack, protocol::encode(ack));
}

void HostDoorPanelHal::send(protocol::PanelChannel channel, const std::string& payload) {
    const std::string topic = protocol::panelTopic(site_, panel_, channel);
    link_.publish(topic, payload);
    Json out;
    out["out"] = "sent";
    out["topic"] = topic;
    out["payload"] = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
    sink_(line(out));
}

void HostDoorPanelHal::driveLock(bool released, int ms) {
    Json out;
    out["out"] = "lock";
    out["released"] = released;
    out["ms"] = ms;
    sink_(line(out));
}

void HostDoorPanelHal::display(const firmware::Display& display) {
    Json out;
    out["out"] = "display";
    out["screen"] = firmware::toString(display.screen);
    out["text"] = firmware::displayText(display);
    if (!display.reason.empty()) {
        out["reason"] = display.reason;
    }
    sink_(line(out));
}

std::optional<std::string> HostDoorPanelHal::offlinePinHash(std::string_view person,
                                                            std::string_view digits) {
    return sim::offlinePinHash(panelKey_, person, digits);
}

void HostDoorPanelHal::storeCache(std::string_view bytes) {
    if (!cache_) {
        return;
    }
    if (auto stored = cache_->store(bytes); !stored) {
        sink_(line(Json{{"out", "error"}, {"error", stored.error().message}}));
    }
}

std::optional<std::string> HostDoorPanelHal::loadCache() {
    if (!cache_) {
        return std::nullopt;
    }
    auto loaded = cache_->load();
    if (!loaded) {
        // Never trusted half: the panel starts empty (stale) and says why.
        sink_(line(Json{{"out", "error"}, {"error", loaded.error().message}}));
        return std::nullopt;
    }
    return std::move(*loaded);
}

}  // namespace sekimori::sim
