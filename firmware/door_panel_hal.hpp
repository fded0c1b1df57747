#pragma once
// The door panel's hardware layer: everything the pure state machine (door_panel.hpp) cannot do
// itself. A real panel implements it over its reader, keypad, secure element, lock relay and
// MQTT client; sim/host_door_panel_hal implements it on a host with core crypto and io::MqttLink.
#include <optional>
#include <string>
#include <string_view>

#include "firmware/door_panel.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::firmware {

class DoorPanelHal {
  public:
    virtual ~DoorPanelHal() = default;

    // Seals "<challenge nonce>:<PIN digits>" with the panel key: base64(nonce || secretbox), the
    // PinEntered::pinBox of docs/mqtt.md. The clear digits go no further than this call.
    virtual std::string sealPin(std::string_view challengeNonce, std::string_view digits) = 0;
    // HMAC-SHA-256 of `input` under the panel's MAC key, lower-case hex (the secure element).
    virtual std::string mac(std::string_view input) = 0;
    // Ed25519 signature of `input` by the panel's own signing key, lower-case hex.
    virtual std::string sign(std::string_view input) = 0;
    // 16 fresh random bytes, lower-case hex (a card step's nonce).
    virtual std::string freshNonce() = 0;
    // Opens the sealed template of a finger challenge and matches the live sample against it
    // 1:1; the score is 0..100. nullopt when the box does not open or the sample is unusable.
    virtual std::optional<int> matchFinger(std::string_view templateBox,
                                           std::string_view liveSample) = 0;
    // Queue to the controller (request / event topics); never blocks.
    virtual void publishRequest(const protocol::PanelRequest& request) = 0;
    virtual void publishEvent(const protocol::PanelEvent& event) = 0;
    // Queue an answer to a controller command (ack topic); never blocks.
    virtual void publishAck(const protocol::PanelAck& ack) = 0;
    // released: energise the release for ms (hardware may re-lock by itself after it);
    // !released: re-lock now.
    virtual void driveLock(bool released, int ms) = 0;
    virtual void display(const Display& display) = 0;

    // Issue 15 (docs/offline.md, "Deciding offline"). The defaults are those of a panel without a
    // key store or storage for the cache: it checks no PIN offline (wrong_pin) and forgets its
    // cache at every restart (stale and empty until the controller resends it). A real panel and
    // sim/host_door_panel_hal override all three.
    //
    // The offline PIN hash of docs/mqtt.md: hex HMAC-SHA-256(key = HMAC-SHA-256(panel key,
    // "sekimori.panel.offline_pin.v1"), lp(person) lp(digits)), compared by the machine with the
    // cache entry's pin_hash. nullopt: it cannot be computed. The digits go no further.
    virtual std::optional<std::string> offlinePinHash(std::string_view person,
                                                      std::string_view digits) {
        (void)person;
        (void)digits;
        return std::nullopt;
    }
    // Keeps the cache's at-rest bytes (OfflineCache::encode) encrypted under a key derived from
    // the panel key, replacing the last ones atomically.
    virtual void storeCache(std::string_view bytes) { (void)bytes; }
    // The bytes last stored, nullopt when none (or they do not open: never trusted half).
    virtual std::optional<std::string> loadCache() { return std::nullopt; }
};

}  // namespace sekimori::firmware
