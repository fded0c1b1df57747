#pragma once
// Builds every event the doors domain records, so each payload has one shape (docs/events.md)
// wherever it is produced. Pure: no clock, no I/O; the time comes in.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Someone who passes with the granted person (the first of a two-person pair, a visitor's host).
struct Companion {
    std::string person;
    std::string personName;
};

// What a grant adds to its payload when a rule applies (docs/events.md, access.granted); the
// defaults add nothing.
struct GrantDetails {
    std::vector<Companion> companions;
    bool duress = false;  // the PIN was the duress variant (access.duress rides in the Change)
};

core::Event challengeEvent(const AccessContext& context, protocol::Factor next, core::TimeUs now);
core::Event grantedEvent(const AccessContext& context, core::TimeUs now,
                         const GrantDetails& details = {});
// The silent alarm of a duress PIN: committed in the same Change as the grant it rides with.
core::Event duressEvent(const AccessContext& context, core::TimeUs now);
// Soft anti-passback: `zone` is entered (or left) while the person is recorded in
// `recordedZone`; granted anyway, in the same Change as the grant.
core::Event passbackViolationEvent(const AccessContext& context, const std::string& zone,
                                   const std::string& recordedZone, core::TimeUs now);
// Every factor was given; entry waits for a second person (rule "two_person", reason
// awaiting_second_person) or a host (rule "escort", reason awaiting_escort) until `untilUs`.
core::Event companionPendingEvent(const AccessContext& context, std::string_view rule,
                                  std::string_view reasonCode, core::TimeUs untilUs,
                                  core::TimeUs now);
// Nobody came: the wait that companionPendingEvent recorded ended after `waitedS` seconds.
core::Event companionExpiredEvent(const AccessContext& context, std::string_view rule,
                                  std::string_view reasonCode, std::int64_t waitedS,
                                  core::TimeUs now);
// `detail` is the operator's sentence; describeReason(code) unless a step knows better.
core::Event deniedEvent(const AccessContext& context, std::string_view reasonCode,
                        std::string_view detail, core::TimeUs now);
// The decision `wanted` ("challenge", "granted", "denied") could not be stored: `error` says why.
core::Event storeUnavailableEvent(const AccessContext& context, std::string_view wanted,
                                  std::string_view error, core::TimeUs now);

// A door event: `details` gains "door"; `subject` is the person a granted opening belongs to.
core::Event doorEvent(core::EventType type, const std::string& door, nlohmann::json details,
                      const std::string& subject, core::TimeUs now);
// access.offline_granted / access.offline_denied: a decision `report` (offline_granted /
// offline_denied) the panel made alone from its cache; `personName` from the credentials (empty
// when unknown); `evidence` the signed report ({"panel_report","panel_sig"}). The gateway adds
// panel, panel_seq, occurred_us and late.
core::Event offlineDecisionEvent(const protocol::PanelEvent& report, const std::string& personName,
                                 const nlohmann::json& evidence, core::TimeUs now);
// panel.journal_near_full {pending} / panel.journal_overflow {lost}, with the signed report.
core::Event journalLevelEvent(const std::string& panel, const protocol::PanelEvent& report,
                              const nlohmann::json& evidence, core::TimeUs now);
core::Event panelStatusEvent(const std::string& panel, bool online, const std::string& firmware,
                             core::TimeUs now);
// mqtt.bad_payload / mqtt.foreign_topic: names the topic, panel and the problem; never echoes
// the payload (it may hold a sealed secret or be huge).
core::Event edgeErrorEvent(core::EventType type, const std::string& topic, const std::string& panel,
                           const std::string& error, core::TimeUs now);

// What the site's error topic carries for an error event: its payload with "type" added.
std::string errorTopicPayload(const core::Event& event);

}  // namespace sekimori::doors
