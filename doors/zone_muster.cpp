#include "doors/zone_muster.hpp"

namespace sekimori::doors {
namespace {

std::string stringField(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

MusterRoll takeMusterRoll(const Presence& presence, core::TimeUs now, std::string actor,
                          std::string comment) {
    MusterRoll roll;
    roll.startedUs = now;
    roll.actor = std::move(actor);
    roll.comment = std::move(comment);
    for (const auto& zone : presence.occupiedZones()) {
        for (const auto& o : presence.occupantsOf(zone)) {
            roll.people.push_back(MusterRoll::Entry{zone, o.person, o.personName});
        }
    }
    return roll;
}

nlohmann::json musterZonesJson(const MusterRoll& roll) {
    nlohmann::json zones = nlohmann::json::array();
    for (const auto& e : roll.people) {
        if (zones.empty() || zones.back()["zone"] != e.zone) {
            zones.push_back({{"zone", e.zone}, {"people", nlohmann::json::array()}});
        }
        zones.back()["people"].push_back({{"person", e.person}, {"person_name", e.personName}});
    }
    return zones;
}

std::optional<MusterRoll> musterRollFromPayload(const nlohmann::json& payload,
                                                core::TimeUs timeUs) {
    if (!payload.is_object()) {
        return std::nullopt;
    }
    auto zones = payload.find("zones");
    if (zones == payload.end() || !zones->is_array()) {
        return std::nullopt;
    }
    MusterRoll roll;
    roll.startedUs = timeUs;
    roll.actor = stringField(payload, "actor");
    roll.comment = stringField(payload, "comment");
    for (const auto& z : *zones) {
        if (!z.is_object()) {
            continue;
        }
        const std::string zone = stringField(z, "zone");
        auto people = z.find("people");
        if (zone.empty() || people == z.end() || !people->is_array()) {
            continue;
        }
        for (const auto& p : *people) {
            if (!p.is_object()) {
                continue;
            }
            std::string person = stringField(p, "person");
            if (!person.empty()) {
                roll.people.push_back(
                    MusterRoll::Entry{zone, std::move(person), stringField(p, "person_name")});
            }
        }
    }
    return roll;
}

nlohmann::json musterJson(const Presence& presence, const std::optional<MusterRoll>& roll) {
    nlohmann::json out{{"zones", presence.toJson()["zones"]}, {"muster", nullptr}};
    if (!roll) {
        return out;
    }
    nlohmann::json zones = nlohmann::json::array();
    int leftCount = 0;
    for (const auto& e : roll->people) {
        if (zones.empty() || zones.back()["zone"] != e.zone) {
            zones.push_back({{"zone", e.zone},
                             {"remaining", nlohmann::json::array()},
                             {"left", nlohmann::json::array()}});
        }
        const auto now = presence.zoneOf(e.person);
        nlohmann::json who{{"person", e.person}, {"person_name", e.personName}};
        if (now && *now == e.zone) {
            zones.back()["remaining"].push_back(std::move(who));
            continue;
        }
        who["now_zone"] = now ? nlohmann::json(*now) : nlohmann::json(nullptr);
        zones.back()["left"].push_back(std::move(who));
        ++leftCount;
    }
    out["muster"] = {{"started_us", roll->startedUs}, {"actor", roll->actor},
                     {"comment", roll->comment},      {"on_roll", roll->people.size()},
                     {"left_count", leftCount},       {"zones", std::move(zones)}};
    return out;
}

}  // namespace sekimori::doors
