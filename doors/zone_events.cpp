#include "doors/zone_events.hpp"

#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

nlohmann::json withActor(nlohmann::json payload, const ZoneActor& actor) {
    if (actor.fields.is_object()) {
        payload.update(actor.fields);
    }
    return payload;
}

}  // namespace

core::Event zoneAloneEvent(const AloneRaised& raised, const std::string& personName,
                           core::TimeUs now) {
    nlohmann::json payload{{"zone", raised.zone},
                           {"person", raised.person},
                           {"person_name", personName},
                           {"since_us", raised.sinceUs}};
    return core::Event{now, std::string(kZoneAlone.name), "zone:" + raised.zone, raised.person,
                       payload.dump()};
}

core::Event zoneAloneClearedEvent(const AloneCleared& cleared, core::TimeUs now) {
    nlohmann::json payload{{"zone", cleared.zone}, {"count", cleared.count}};
    return core::Event{now, std::string(kZoneAloneCleared.name), "zone:" + cleared.zone, "",
                       payload.dump()};
}

core::Event lockdownStartedEvent(const Lockdown& lockdown, const ZoneActor& actor,
                                 core::TimeUs now) {
    nlohmann::json payload{{"scope", toString(lockdown.scope)},
                           {"target", lockdown.target},
                           {"comment", lockdown.comment}};
    return core::Event{now, std::string(kZoneLockdownStarted.name), actor.source, "",
                       withActor(std::move(payload), actor).dump()};
}

core::Event lockdownLiftedEvent(LockdownScope scope, const std::string& target,
                                const std::string& comment, const ZoneActor& actor,
                                core::TimeUs now) {
    nlohmann::json payload{{"scope", toString(scope)}, {"target", target}, {"comment", comment}};
    return core::Event{now, std::string(kZoneLockdownLifted.name), actor.source, "",
                       withActor(std::move(payload), actor).dump()};
}

core::Event musterStartedEvent(const MusterRoll& roll, const ZoneActor& actor) {
    nlohmann::json payload{{"zones", musterZonesJson(roll)}, {"comment", roll.comment}};
    return core::Event{roll.startedUs, std::string(kZoneMusterStarted.name), actor.source, "",
                       withActor(std::move(payload), actor).dump()};
}

core::Event passbackForgivenEvent(const std::string& person, const std::string& personName,
                                  const std::string& recordedZone, const std::string& comment,
                                  const ZoneActor& actor, core::TimeUs now) {
    nlohmann::json payload{{"person", person},
                           {"person_name", personName},
                           {"zone", recordedZone},
                           {"comment", comment}};
    return core::Event{now, std::string(kAccessPassbackForgiven.name), actor.source, person,
                       withActor(std::move(payload), actor).dump()};
}

}  // namespace sekimori::doors
