#include "doors/presence.hpp"

#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

core::Event presenceEvent(core::EventType type, const Passage& p, const std::string& zone) {
    nlohmann::json payload{
        {"person", p.person}, {"person_name", p.personName}, {"zone", zone}, {"door", p.door}};
    return core::Event{p.timeUs, type, "door:" + p.door, p.person, payload.dump()};
}

std::string stringField(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void Presence::place(const std::string& person, Whereabouts where) {
    remove(person);
    byZone_[where.zone].insert(person);
    byPerson_[person] = std::move(where);
}

void Presence::remove(const std::string& person) {
    auto it = byPerson_.find(person);
    if (it == byPerson_.end()) {
        return;
    }
    auto zone = byZone_.find(it->second.zone);
    if (zone != byZone_.end()) {
        zone->second.erase(person);
        if (zone->second.empty()) {
            byZone_.erase(zone);
        }
    }
    byPerson_.erase(it);
}

std::vector<core::Event> Presence::pass(const Passage& passage) {
    std::vector<core::Event> events;
    auto it = byPerson_.find(passage.person);
    if (it != byPerson_.end()) {
        if (it->second.zone == passage.toZone) {
            return events;  // already there: a repeated report moves nobody
        }
        events.push_back(presenceEvent(kPresenceLeft, passage, it->second.zone));
    } else {
        // First sighting: the person was in the door's outer zone, unrecorded until now.
        events.push_back(presenceEvent(kPresenceLeft, passage, passage.fromZone));
    }
    place(passage.person, Whereabouts{passage.toZone, passage.personName, passage.timeUs});
    events.push_back(presenceEvent(kPresenceEntered, passage, passage.toZone));
    return events;
}

void Presence::replay(std::string_view type, const nlohmann::json& payload, core::TimeUs timeUs) {
    if (!payload.is_object()) {
        return;
    }
    const std::string person = stringField(payload, "person");
    const std::string zone = stringField(payload, "zone");
    if (person.empty() || zone.empty()) {
        return;
    }
    if (kPresenceEntered == type) {
        place(person, Whereabouts{zone, stringField(payload, "person_name"), timeUs});
    } else if (kPresenceLeft == type) {
        auto it = byPerson_.find(person);
        if (it != byPerson_.end() && it->second.zone == zone) {
            remove(person);
        }
    }
}

std::optional<std::string> Presence::zoneOf(const std::string& person) const {
    auto it = byPerson_.find(person);
    if (it == byPerson_.end()) {
        return std::nullopt;
    }
    return it->second.zone;
}

std::vector<std::string> Presence::occupants(const std::string& zone) const {
    auto it = byZone_.find(zone);
    if (it == byZone_.end()) {
        return {};
    }
    return {it->second.begin(), it->second.end()};
}

std::vector<Presence::Occupant> Presence::occupantsOf(const std::string& zone) const {
    std::vector<Occupant> list;
    auto it = byZone_.find(zone);
    if (it == byZone_.end()) {
        return list;
    }
    for (const auto& id : it->second) {
        const auto& w = byPerson_.at(id);
        list.push_back(Occupant{id, w.name, w.sinceUs});
    }
    return list;
}

std::vector<std::string> Presence::occupiedZones() const {
    std::vector<std::string> zones;
    for (const auto& [zone, people] : byZone_) {
        zones.push_back(zone);
    }
    return zones;
}

nlohmann::json Presence::toJson() const {
    nlohmann::json zones = nlohmann::json::object();
    for (const auto& [zone, people] : byZone_) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& id : people) {
            const auto& w = byPerson_.at(id);
            list.push_back({{"person", id}, {"person_name", w.name}, {"since_us", w.sinceUs}});
        }
        zones[zone] = std::move(list);
    }
    return nlohmann::json{{"zones", std::move(zones)}};
}

}  // namespace sekimori::doors
