#pragma once
// The one shape every state change takes on its way to the store, the audit chain and the bus.
#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/clock.hpp"

namespace sekimori::core {

using Hash = std::array<std::uint8_t, 32>;  // SHA-256

// An event before it is recorded. `type` names come from docs/events.md
// ("access.granted", "access.denied", "door.opened", "mqtt.bad_payload", ...).
struct Event {
    TimeUs timeUs = 0;
    std::string type;
    std::string source;   // what produced it: "door:server-room", "panel:p-srv", "console"
    std::string subject;  // who it is about: a person id, an operator name, or empty
    std::string payload;  // a compact JSON object; never a PIN, template, password or key
};

// An event after it was stored and chained: what subscribers of the bus see.
struct RecordedEvent {
    std::uint64_t seq = 0;  // 1, 2, 3, ... with no gaps
    Event event;
    Hash prevHash{};
    Hash hash{};
    // The payload parsed once, by the recorder off the io thread, so that subscribers do not
    // parse it again; null when the payload is not a JSON object. Shared: copies are cheap.
    std::shared_ptr<const nlohmann::json> body;
};

}  // namespace sekimori::core
