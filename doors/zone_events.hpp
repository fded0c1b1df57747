#pragma once
// The payloads of the zone rules' events (docs/events.md, section Zones, and
// access.passback_forgiven), built in one place so the alarm rules' source fields
// (doors/door_alarm_rules.cpp: zone.alone by `zone`, zone.lockdown_started by `target`) are
// checked against what is really recorded (tests/doors/door_alarm_rules_test.cpp).
#include <nlohmann/json.hpp>

#include <string>

#include "core/event.hpp"
#include "doors/lockdown_state.hpp"
#include "doors/never_alone.hpp"
#include "doors/zone_muster.hpp"

namespace sekimori::doors {

// Who caused an operator's event: Event::source ("operator:<name>") and the payload members
// (core::actorFields: actor, role, unix_user).
struct ZoneActor {
    std::string source;
    nlohmann::json fields = nlohmann::json::object();
};

// zone.alone: source "zone:<zone>", subject the person; {zone, person, person_name, since_us}.
core::Event zoneAloneEvent(const AloneRaised& raised, const std::string& personName,
                           core::TimeUs now);
// zone.alone_cleared: source "zone:<zone>"; {zone, count}.
core::Event zoneAloneClearedEvent(const AloneCleared& cleared, core::TimeUs now);

// zone.lockdown_started / zone.lockdown_lifted: {scope, target, comment} and the actor.
core::Event lockdownStartedEvent(const Lockdown& lockdown, const ZoneActor& actor,
                                 core::TimeUs now);
core::Event lockdownLiftedEvent(LockdownScope scope, const std::string& target,
                                const std::string& comment, const ZoneActor& actor,
                                core::TimeUs now);

// zone.muster_started: {zones, comment} and the actor.
core::Event musterStartedEvent(const MusterRoll& roll, const ZoneActor& actor);

// access.passback_forgiven: subject the person; {person, person_name, zone, comment} and the
// actor.
core::Event passbackForgivenEvent(const std::string& person, const std::string& personName,
                                  const std::string& recordedZone, const std::string& comment,
                                  const ZoneActor& actor, core::TimeUs now);

}  // namespace sekimori::doors
