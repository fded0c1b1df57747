#pragma once
// The circle gate's hardware layer: everything the pure state machine (circle_gate.hpp) cannot do
// itself. A real gate implements it over its readers, keypads, secure element, leaf operators and
// MQTT client; sim/host_circle_gate_hal implements it on a host.
#include <optional>
#include <string>
#include <string_view>

#include "firmware/circle_gate.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"

namespace sekimori::firmware::gate {

class CircleGateHal {
  public:
    virtual ~CircleGateHal() = default;

    // As DoorPanelHal: seal "<nonce>:<digits>" with the panel key (base64), HMAC-SHA-256 under
    // the panel's MAC key (hex), Ed25519 by the panel's signing key (hex), 16 fresh random bytes
    // (hex), and a 1:1 finger match against a sealed template (0..100; nullopt: could not).
    virtual std::string sealPin(std::string_view nonce, std::string_view digits) = 0;
    virtual std::string mac(std::string_view input) = 0;
    virtual std::string sign(std::string_view input) = 0;
    virtual std::string freshNonce() = 0;
    virtual std::optional<int> matchFinger(std::string_view templateBox,
                                           std::string_view liveSample) = 0;
    // Queue to the controller; never blocks. An event goes out as the exact signed payload the
    // journal keeps (protocol::encode of the PanelEvent), so a resend is byte-identical.
    virtual void publishRequest(const protocol::PanelRequest& request) = 0;
    virtual void publishEvent(std::string_view payload) = 0;
    virtual void publishAck(const protocol::PanelAck& ack) = 0;
    // released: the leaf's lock lets go and its operator opens it; !released: the operator
    // closes it and the lock engages as it shuts.
    virtual void driveLeaf(Leaf leaf, bool released) = 0;
    virtual void display(const Display& display) = 0;

    // Offline (docs/offline.md), as DoorPanelHal: the offline PIN hash of the typed digits (the
    // digits go no further; nullopt: it cannot be computed), and the cache's at-rest bytes kept
    // encrypted under a key derived from the panel key (loadCache: nullopt when none or they do
    // not open).
    virtual std::optional<std::string> offlinePinHash(std::string_view person,
                                                      std::string_view digits) {
        (void)person;
        (void)digits;
        return std::nullopt;
    }
    virtual void storeCache(std::string_view bytes) { (void)bytes; }
    virtual std::optional<std::string> loadCache() { return std::nullopt; }
};

}  // namespace sekimori::firmware::gate
