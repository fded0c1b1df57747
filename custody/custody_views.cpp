#include "custody/custody_views.hpp"

namespace sekimori::custody {

namespace {

using json = nlohmann::json;

json personJson(const std::string& person, const std::string& name) {
    if (person.empty()) {
        return nullptr;
    }
    return json{{"person", person}, {"name", name}};
}

const DeviceView* viewOf(const std::map<std::string, DeviceView>& devices, const std::string& id) {
    auto it = devices.find(id);
    return it == devices.end() ? nullptr : &it->second;
}

}  // namespace

json custodyJson(const CustodyConfig& config, const CustodyState& state,
                 const std::map<std::string, DeviceView>& devices, core::TimeUs nowUs) {
    json cabinets = json::array();
    for (const auto& cabinet : config.cabinets) {
        const DeviceView* device = viewOf(devices, cabinet.id);
        json slots = json::array();
        for (const auto& key : config.keys) {
            if (key.cabinet != cabinet.id) {
                continue;
            }
            const KeyHeld* held = state.holder(key.id);
            // The trail says in; the cabinet's own reading says whether the slot is empty.
            std::string where = held != nullptr ? "out" : "in";
            if (held == nullptr && device != nullptr && device->known) {
                for (const auto& reading : device->slots) {
                    if (reading.slot == key.slot && reading.tag != key.tag) {
                        where = "missing";
                    }
                }
            }
            slots.push_back(
                {{"slot", key.slot},
                 {"key", key.id},
                 {"name", key.name},
                 {"kind", key.kind},
                 {"opens", key.opens},
                 {"approval_required", key.approval},
                 {"state", where},
                 {"holder", held != nullptr ? personJson(held->person, held->personName) : json()},
                 {"forced", held != nullptr && held->forced},
                 {"taken_us", held != nullptr ? held->takenUs : 0},
                 {"due_us", held != nullptr ? held->dueUs : 0},
                 {"overdue", held != nullptr && held->dueUs != 0 && nowUs >= held->dueUs},
                 {"holder_left", held != nullptr && held->holderLeftRaised}});
        }
        json release = nullptr;
        if (const Release* r = state.release(cabinet.id); r != nullptr && nowUs < r->untilUs) {
            release = {{"person", r->person},
                       {"name", r->personName},
                       {"slots", r->slots},
                       {"until_us", r->untilUs}};
        }
        cabinets.push_back({{"id", cabinet.id},
                            {"name", cabinet.name},
                            {"door", cabinet.door},
                            {"online", device != nullptr && device->online},
                            {"released", release},
                            {"slots", slots}});
    }
    json items = json::array();
    for (const auto& [id, item] : state.items()) {
        std::string phase = "approved";
        if (item.checkedIn && !item.checkedOut) {
            phase = "checked_in";
        } else if (item.checkedOut) {
            phase = "checked_out";
        } else if (nowUs >= item.validUntilUs) {
            phase = "expired";
        }
        items.push_back({{"id", id},
                         {"approval", item.approval},
                         {"person", item.person},
                         {"name", item.personName},
                         {"kind", item.kind},
                         {"description", item.description},
                         {"valid_from_us", item.validFromUs},
                         {"valid_until_us", item.validUntilUs},
                         {"state", phase},
                         {"checked_in_us", item.checkedInUs},
                         {"checked_in_by", item.checkedInBy},
                         {"checked_out_us", item.checkedOutUs},
                         {"checked_out_by", item.checkedOutBy},
                         {"left_inside", item.leftInsideRaised && !item.checkedOut}});
    }
    json detectors = json::array();
    for (const auto& d : config.detectors) {
        const DeviceView* device = viewOf(devices, d.id);
        auto hold = state.holds().find(d.id);
        const bool held = hold != state.holds().end();
        detectors.push_back({{"id", d.id},
                             {"name", d.name},
                             {"portal", d.portal},
                             {"online", device != nullptr && device->online},
                             {"held", held},
                             {"since_us", held ? hold->second.sinceUs : 0},
                             {"level", held ? hold->second.level : 0}});
    }
    json requests = json::array();
    for (const auto& [id, r] : state.requests()) {
        if (r.untilUs > nowUs) {
            requests.push_back({{"approval", id},
                                {"key", r.key},
                                {"person", r.person},
                                {"from_us", r.fromUs},
                                {"until_us", r.untilUs}});
        }
    }
    return json{{"configured", config.enabled()},
                {"cabinets", cabinets},
                {"items", items},
                {"detectors", detectors},
                {"key_requests", requests},
                {"carry_in_zone", config.carryInZone}};
}

}  // namespace sekimori::custody
