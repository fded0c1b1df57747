#include "doors/presence.hpp"

namespace sekimori::doors {
namespace {

core::Event presenceEvent(const char* type, const Passage& p, const std::string& zone) {
    nlohmann::json payload{
        {"person", p.person}, {"person_name", p.personName}, {"zone", zone}, {"door", p.door}};
    return core::Event{p.timeUs, type, "door:" + p.door, p.person, payload.dump()};
}

}  // namespace

std::vector<core::Event> Presence::pass(const Passage& passage) {
    std::vector<core::Event> events;
    auto it = byPerson_.find(passage.person);
    if (it != byPerson_.end()) {
        if (it->second.zone == passage.toZone) {
            return events;  // already there: a repeated report moves nobody
        }
        byZone_[it->second.zone].erase(passage.person);
        if (byZone_[it->second.zone].empty()) {
            byZone_.erase(it->second.zone);
        }
        events.push_back(presenceEvent("presence.left", passage, it->second.zone));
    } else {
        // First sighting: the person was in the door's outer zone, unrecorded until now.
        events.push_back(presenceEvent("presence.left", passage, passage.fromZone));
    }
    byPerson_[passage.person] = Whereabouts{passage.toZone, passage.personName, passage.timeUs};
    byZone_[passage.toZone].insert(passage.person);
    events.push_back(presenceEvent("presence.entered", passage, passage.toZone));
    return events;
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
