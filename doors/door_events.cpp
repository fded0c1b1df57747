#include "doors/door_events.hpp"

#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

core::Event accessEvent(core::EventType type, const AccessContext& c, std::string_view decision,
                        std::string_view reasonCode, const nlohmann::json& extra,
                        core::TimeUs now) {
    nlohmann::json payload{{"door", c.door},
                           {"side", std::string(protocol::toString(c.side))},
                           {"person", c.person},
                           {"person_name", c.personName},
                           {"decision", std::string(decision)},
                           {"reason", std::string(reasonCode)},
                           {"session", c.session},
                           {"card", c.card}};
    if (extra.is_object()) {
        payload.update(extra);
    }
    return core::Event{now, type, "door:" + c.door, c.person, payload.dump()};
}

}  // namespace

core::Event challengeEvent(const AccessContext& context, protocol::Factor next, core::TimeUs now) {
    return accessEvent(kAccessChallenge, context, "challenge", "",
                       {{"next", std::string(protocol::toString(next))}}, now);
}

core::Event grantedEvent(const AccessContext& context, core::TimeUs now,
                         const GrantDetails& details) {
    nlohmann::json extra = nlohmann::json::object();
    if (!details.companions.empty()) {
        nlohmann::json companions = nlohmann::json::array();
        for (const auto& c : details.companions) {
            companions.push_back({{"person", c.person}, {"person_name", c.personName}});
        }
        extra["companions"] = std::move(companions);
    }
    if (details.duress) {
        extra["duress"] = true;
    }
    return accessEvent(kAccessGranted, context, "granted", protocol::reason::granted, extra, now);
}

core::Event duressEvent(const AccessContext& context, core::TimeUs now) {
    return accessEvent(kAccessDuress, context, "granted", protocol::reason::granted, {}, now);
}

core::Event passbackViolationEvent(const AccessContext& context, const std::string& zone,
                                   const std::string& recordedZone, core::TimeUs now) {
    return accessEvent(kAccessPassbackViolation, context, "granted", protocol::reason::antiPassback,
                       {{"zone", zone}, {"mode", "soft"}, {"recorded_zone", recordedZone}}, now);
}

core::Event companionPendingEvent(const AccessContext& context, std::string_view rule,
                                  std::string_view reasonCode, core::TimeUs untilUs,
                                  core::TimeUs now) {
    return accessEvent(kAccessCompanionPending, context, "denied", reasonCode,
                       {{"rule", std::string(rule)}, {"until_us", untilUs}}, now);
}

core::Event companionExpiredEvent(const AccessContext& context, std::string_view rule,
                                  std::string_view reasonCode, std::int64_t waitedS,
                                  core::TimeUs now) {
    return accessEvent(kAccessCompanionExpired, context, "denied", reasonCode,
                       {{"rule", std::string(rule)}, {"waited_s", waitedS}}, now);
}

core::Event deniedEvent(const AccessContext& context, std::string_view reasonCode,
                        std::string_view detail, core::TimeUs now) {
    return accessEvent(kAccessDenied, context, "denied", reasonCode,
                       {{"detail", std::string(detail)}}, now);
}

core::Event storeUnavailableEvent(const AccessContext& context, std::string_view wanted,
                                  std::string_view error, core::TimeUs now) {
    return accessEvent(kAccessStoreUnavailable, context, "denied",
                       protocol::reason::storeUnavailable,
                       {{"wanted", std::string(wanted)}, {"error", std::string(error)}}, now);
}

core::Event doorEvent(core::EventType type, const std::string& door, nlohmann::json details,
                      const std::string& subject, core::TimeUs now) {
    if (!details.is_object()) {
        details = nlohmann::json::object();
    }
    details["door"] = door;
    return core::Event{now, type, "door:" + door, subject, details.dump()};
}

core::Event offlineDecisionEvent(const protocol::PanelEvent& report, const std::string& personName,
                                 const nlohmann::json& evidence, core::TimeUs now) {
    const bool granted = report.kind == protocol::DoorEventKind::offlineGranted;
    AccessContext context{report.door,    report.side.value_or(protocol::DoorSide::entry),
                          report.person,  personName,
                          report.session, report.card};
    nlohmann::json extra{{"degraded", report.degraded}, {"offline", true}};
    if (evidence.is_object()) {
        extra.update(evidence);
    }
    return accessEvent(granted ? kAccessOfflineGranted : kAccessOfflineDenied, context,
                       granted ? "granted" : "denied", report.reason, extra, now);
}

core::Event journalLevelEvent(const std::string& panel, const protocol::PanelEvent& report,
                              const nlohmann::json& evidence, core::TimeUs now) {
    const bool nearFull = report.kind == protocol::DoorEventKind::journalNearFull;
    nlohmann::json payload{{"panel", panel}};
    if (!report.door.empty()) {
        payload["door"] = report.door;
    }
    if (nearFull) {
        payload["pending"] = report.pending;
    } else {
        payload["lost"] = report.lost;
    }
    if (evidence.is_object()) {
        payload.update(evidence);
    }
    return core::Event{now, nearFull ? kPanelJournalNearFull : kPanelJournalOverflow,
                       "panel:" + panel, "", payload.dump()};
}

core::Event panelStatusEvent(const std::string& panel, bool online, const std::string& firmware,
                             core::TimeUs now) {
    nlohmann::json body{{"panel", panel}, {"firmware", firmware}};
    return core::Event{now, online ? kPanelOnline : kPanelOffline, "panel:" + panel, "",
                       body.dump()};
}

core::Event edgeErrorEvent(core::EventType type, const std::string& topic, const std::string& panel,
                           const std::string& error, core::TimeUs now) {
    nlohmann::json payload{{"topic", topic}, {"panel", panel}, {"error", error}};
    return core::Event{now, type, panel.empty() ? "doors" : "panel:" + panel, "", payload.dump()};
}

std::string errorTopicPayload(const core::Event& event) {
    auto payload = nlohmann::json::parse(event.payload, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_object()) {
        payload = nlohmann::json::object();
    }
    payload["type"] = event.type;
    return payload.dump();
}

}  // namespace sekimori::doors
