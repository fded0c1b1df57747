#include "vault/area_presence.hpp"

namespace sekimori::vault {
namespace {

std::string stringField(const nlohmann::json& payload, const char* key) {
    auto it = payload.find(key);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool AreaPresence::apply(std::string_view type, const nlohmann::json& payload,
                         core::TimeUs timeUs) {
    const bool entered = type == "presence.entered";
    if ((!entered && type != "presence.left") || !payload.is_object()) {
        return false;
    }
    const std::string person = stringField(payload, "person");
    const std::string zone = stringField(payload, "zone");
    if (person.empty() || zone.empty()) {
        return false;
    }
    if (auto it = byPerson_.find(person); it != byPerson_.end()) {
        if (!entered && it->second.zone != zone) {
            return true;  // a left of a zone we do not have them in changes nothing
        }
        auto zoneIt = byZone_.find(it->second.zone);
        if (zoneIt != byZone_.end()) {
            zoneIt->second.erase(person);
            if (zoneIt->second.empty()) {
                byZone_.erase(zoneIt);
            }
        }
        byPerson_.erase(it);
    }
    if (entered) {
        byPerson_[person] = Occupant{zone, stringField(payload, "person_name"), timeUs};
        byZone_[zone].insert(person);
    }
    return true;
}

const AreaPresence::Occupant* AreaPresence::whereIs(const std::string& person) const {
    auto it = byPerson_.find(person);
    return it == byPerson_.end() ? nullptr : &it->second;
}

bool AreaPresence::inside(const std::string& person, const std::string& zone) const {
    const Occupant* o = whereIs(person);
    return o != nullptr && o->zone == zone;
}

const std::set<std::string>& AreaPresence::occupants(const std::string& zone) const {
    static const std::set<std::string> none;
    auto it = byZone_.find(zone);
    return it == byZone_.end() ? none : it->second;
}

}  // namespace sekimori::vault
