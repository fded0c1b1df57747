#pragma once
// Who is inside which zone now. A person is in at most one zone: the one they last passed
// into. The controller calls pass() when a granted passage happened; pass() returns the
// presence events to record.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace sekimori::doors {

struct Passage {
    std::string person;
    std::string personName;
    std::string door;
    std::string fromZone;
    std::string toZone;
    core::TimeUs timeUs = 0;
    // The person's groups (doors/credential_store.hpp PersonRecord::groups): first-person-in and
    // the zone rules read them; never recorded.
    std::vector<std::string> groups{};
};

class Presence {
  public:
    // Moves the person into passage.toZone: presence.left for the zone they were in (the
    // recorded one, which is passage.fromZone unless a passage was missed) and presence.entered.
    std::vector<core::Event> pass(const Passage& passage);

    // Applies one recorded presence.entered / presence.left (in seq order) and emits nothing:
    // how presence is rebuilt from the audit trail at start (doors/presence_rebuild). Other
    // types and payloads without person and zone are ignored.
    void replay(std::string_view type, const nlohmann::json& payload, core::TimeUs timeUs);

    std::optional<std::string> zoneOf(const std::string& person) const;
    std::vector<std::string> occupants(const std::string& zone) const;  // sorted ids

    // One person inside a zone, with the name and time presence recorded (the zone rules'
    // never-alone alarm and muster roll name who it is about).
    struct Occupant {
        std::string person;
        std::string personName;
        core::TimeUs sinceUs = 0;
    };
    std::vector<Occupant> occupantsOf(const std::string& zone) const;  // sorted by id
    std::vector<std::string> occupiedZones() const;                    // sorted, none empty
    // {"zones": {"<zone>": [{"person":..,"person_name":..,"since_us":..}, ...]}}
    nlohmann::json toJson() const;

  private:
    struct Whereabouts {
        std::string zone;
        std::string name;
        core::TimeUs sinceUs = 0;
    };
    void place(const std::string& person, Whereabouts where);
    void remove(const std::string& person);

    std::map<std::string, Whereabouts> byPerson_;
    std::map<std::string, std::set<std::string>> byZone_;
};

}  // namespace sekimori::doors
