#pragma once
// Builds every event the doors domain records, so each payload has one shape (docs/events.md)
// wherever it is produced. Pure: no clock, no I/O; the time comes in.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/event_type.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

// What every access event says about its session.
struct AccessContext {
    std::string door;
    protocol::DoorSide side = protocol::DoorSide::entry;
    std::string person;  // empty until the card resolves to a person
    std::string personName;
    std::string session;  // the panel's session id
    std::string card;     // the card UID presented
};

core::Event challengeEvent(const AccessContext& context, protocol::Factor next, core::TimeUs now);
core::Event grantedEvent(const AccessContext& context, core::TimeUs now);
// `detail` is the operator's sentence; describeReason(code) unless a step knows better.
core::Event deniedEvent(const AccessContext& context, std::string_view reasonCode,
                        std::string_view detail, core::TimeUs now);
// The decision `wanted` ("challenge", "granted", "denied") could not be stored: `error` says why.
core::Event storeUnavailableEvent(const AccessContext& context, std::string_view wanted,
                                  std::string_view error, core::TimeUs now);

// A door event: `details` gains "door"; `subject` is the person a granted opening belongs to.
core::Event doorEvent(core::EventType type, const std::string& door, nlohmann::json details,
                      const std::string& subject, core::TimeUs now);
core::Event panelStatusEvent(const std::string& panel, bool online, const std::string& firmware,
                             core::TimeUs now);
// mqtt.bad_payload / mqtt.foreign_topic: names the topic, panel and the problem; never echoes
// the payload (it may hold a sealed secret or be huge).
core::Event edgeErrorEvent(core::EventType type, const std::string& topic, const std::string& panel,
                           const std::string& error, core::TimeUs now);

// What the site's error topic carries for an error event: its payload with "type" added.
std::string errorTopicPayload(const core::Event& event);

}  // namespace sekimori::doors
