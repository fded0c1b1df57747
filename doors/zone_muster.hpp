#pragma once
// A muster roll call (zone.muster_started): who was inside each zone when it began, and, read
// against presence now, who is still there and who has left since. Pure: the roll is taken
// from Presence, recorded in the event's payload, and rebuilt from that payload at start.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "doors/presence.hpp"

namespace sekimori::doors {

struct MusterRoll {
    struct Entry {
        std::string zone;
        std::string person;
        std::string personName;
    };
    core::TimeUs startedUs = 0;
    std::string actor;          // the operator who called it
    std::string comment;        // why (a drill, an alarm)
    std::vector<Entry> people;  // by zone, then person
};

// Everyone presence has inside a zone now.
MusterRoll takeMusterRoll(const Presence& presence, core::TimeUs now, std::string actor,
                          std::string comment);

// The roll as zone.muster_started records it: [{zone, people: [{person, person_name}]}].
nlohmann::json musterZonesJson(const MusterRoll& roll);

// The roll back from a recorded zone.muster_started payload (its zones, actor and comment);
// nullopt when the payload has no zones array. Entries without a zone or person are skipped.
std::optional<MusterRoll> musterRollFromPayload(const nlohmann::json& payload, core::TimeUs timeUs);

// GET /api/muster: {"zones": Presence::toJson()'s zones (who is inside now), "muster": null or
// {started_us, actor, comment, on_roll, left_count, zones: [{zone, remaining: [{person,
// person_name}], left: [{person, person_name, now_zone (null: nowhere recorded)}]}]}}. Someone
// on the roll has left their zone when presence no longer has them in it.
nlohmann::json musterJson(const Presence& presence, const std::optional<MusterRoll>& roll);

}  // namespace sekimori::doors
