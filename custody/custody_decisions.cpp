#include "custody/custody_decisions.hpp"

#include <nlohmann/json.hpp>

#include "custody/custody_event_types.hpp"

namespace sekimori::custody {

namespace {

using json = nlohmann::json;

core::Event event(core::TimeUs now, core::EventType type, std::string source, std::string subject,
                  const json& payload) {
    return core::Event{now, std::string(type.name), std::move(source), std::move(subject),
                       payload.dump()};
}

}  // namespace

bool ZoneTree::within(const std::string& zone, const std::string& ancestor) const {
    std::string at = zone;
    for (std::size_t hops = 0; hops <= parents.size() && !at.empty(); ++hops) {
        if (at == ancestor) {
            return true;
        }
        auto it = parents.find(at);
        at = it == parents.end() ? std::string() : it->second;
    }
    return false;
}

bool ZoneTree::onSite(const std::string& zone) const {
    auto it = parents.find(zone);
    return it != parents.end() && !it->second.empty();
}

core::Event releaseEvent(const CustodyConfig& config, const CustodyState& state,
                         const KeyCabinetConfig& cabinet, const std::string& person,
                         const MayEnter& mayEnter, core::TimeUs nowUs) {
    json slots = json::array(), keys = json::array(), refused = json::array();
    std::string personName;
    for (const auto& key : config.keys) {
        if (key.cabinet != cabinet.id) {
            continue;
        }
        std::string why;
        const ZoneAnswer answer = mayEnter(person, key.opens);
        if (!answer.personName.empty()) {
            personName = answer.personName;
        }
        if (state.holder(key.id) != nullptr) {
            why = "key_out";
        } else if (!answer.allowed) {
            why = answer.reason.empty() ? "no_access" : answer.reason;
        } else if (key.approval && state.openRequest(person, key.id, nowUs) == nullptr) {
            why = "no_approved_request";
        }
        if (why.empty()) {
            slots.push_back(key.slot);
            keys.push_back(key.id);
        } else {
            refused.push_back({{"key", key.id}, {"reason", why}});
        }
    }
    const core::TimeUs until =
        nowUs + std::chrono::duration_cast<std::chrono::microseconds>(cabinet.release).count();
    return event(nowUs, kCustodyReleaseSent, "cabinet:" + cabinet.id, person,
                 {{"cabinet", cabinet.id},
                  {"door", cabinet.door},
                  {"person", person},
                  {"person_name", personName},
                  {"slots", slots},
                  {"keys", keys},
                  {"refused", refused},
                  {"until_us", until}});
}

ReportOutcome reportEvents(const CustodyConfig& config, const CustodyState& state,
                           const std::string& device, const DeviceReport& report,
                           core::TimeUs nowUs) {
    ReportOutcome out;
    json base{{"device", device},
              {"report_seq", report.seq},
              {"report", std::string(toString(report.kind))}};
    if (const auto* detector = config.detector(device)) {
        if (report.kind == ReportKind::detection) {
            json p = base;
            p.update(
                json{{"detector", device}, {"portal", detector->portal}, {"level", report.level}});
            out.events.push_back(event(nowUs, kCustodyDetection, "detector:" + device, "", p));
        } else if (report.kind == ReportKind::tamper) {
            out.events.push_back(event(nowUs, kCustodyDeviceTamper, "device:" + device, "", base));
        } else {
            out.refusal = "a metal detector does not report " + std::string(toString(report.kind));
        }
        return out;
    }
    const auto* cabinet = config.cabinet(device);
    if (cabinet == nullptr) {
        out.refusal = "device '" + device + "' is not configured";
        return out;
    }
    if (report.kind == ReportKind::tamper || report.kind == ReportKind::doorOpenTooLong) {
        out.events.push_back(event(nowUs, kCustodyDeviceTamper, "device:" + device, "", base));
        return out;
    }
    if (report.kind == ReportKind::detection) {
        out.refusal = "a key cabinet does not report detection";
        return out;
    }
    const KeyConfig* key = config.keyInSlot(device, report.slot);
    if (key == nullptr) {
        out.refusal = "slot " + std::to_string(report.slot) + " of '" + device + "' holds no key";
        return out;
    }
    json p = base;
    p.update(
        json{{"cabinet", device}, {"slot", report.slot}, {"key", key->id}, {"tag", report.tag}});
    const std::string source = "key:" + key->id;
    const KeyHeld* held = state.holder(key->id);
    if (report.kind == ReportKind::keyReturned) {
        if (held == nullptr) {
            // Back in a slot the trail says is full: recorded (the tag read) and nothing else.
            p["was_out"] = false;
        } else {
            p["was_out"] = true;
            p["person"] = held->person;
            p["person_name"] = held->personName;
            p["held_s"] = (nowUs - held->takenUs) / 1'000'000;
            p["late"] = held->dueUs != 0 && nowUs > held->dueUs;
        }
        p["wrong_tag"] = report.tag != key->tag;
        // A string for the alarm rules (AlarmRule::whenField): only the key's own tag clears.
        p["tag_check"] = report.tag != key->tag ? "wrong_tag" : "ok";
        out.events.push_back(
            event(nowUs, kCustodyKeyReturned, source, held ? held->person : std::string(), p));
        return out;
    }
    // key_removed or slot_forced: released to someone now, or forced.
    const Release* release = state.release(device);
    const bool released = report.kind == ReportKind::keyRemoved && release != nullptr &&
                          release->slots.contains(report.slot) && nowUs < release->untilUs;
    if (released) {
        const core::TimeUs due =
            nowUs + std::chrono::duration_cast<std::chrono::microseconds>(key->due).count();
        p.update(json{
            {"person", release->person}, {"person_name", release->personName}, {"due_us", due}});
        out.events.push_back(event(nowUs, kCustodyKeyTaken, source, release->person, p));
    } else {
        out.events.push_back(event(nowUs, kCustodyKeyForced, source, "", p));
    }
    return out;
}

std::vector<core::Event> overdueEvents(const CustodyConfig& config, const CustodyState& state,
                                       core::TimeUs nowUs) {
    std::vector<core::Event> out;
    for (const auto& [key, held] : state.keysOut()) {
        if (held.forced || held.overdueRaised || held.dueUs == 0 || nowUs < held.dueUs) {
            continue;
        }
        const KeyConfig* k = config.key(key);
        out.push_back(event(nowUs, kCustodyKeyOverdue, "key:" + key, held.person,
                            {{"key", key},
                             {"cabinet", k != nullptr ? k->cabinet : std::string()},
                             {"person", held.person},
                             {"person_name", held.personName},
                             {"due_us", held.dueUs}}));
    }
    return out;
}

core::TimeUs nextDue(const CustodyState& state) {
    core::TimeUs next = 0;
    for (const auto& [key, held] : state.keysOut()) {
        if (!held.forced && !held.overdueRaised && held.dueUs != 0 &&
            (next == 0 || held.dueUs < next)) {
            next = held.dueUs;
        }
    }
    return next;
}

std::vector<core::Event> presenceEvents(const CustodyConfig& config, const CustodyState& state,
                                        const ZoneTree& zones, const std::string& person,
                                        core::TimeUs nowUs) {
    std::vector<core::Event> out;
    const auto zone = state.zoneOf(person);
    if (!zone || !zones.onSite(*zone)) {
        for (const auto& [key, held] : state.keysOut()) {
            if (held.person == person && !held.holderLeftRaised) {
                out.push_back(event(nowUs, kCustodyKeyHolderLeft, "key:" + key, person,
                                    {{"key", key},
                                     {"person", person},
                                     {"person_name", held.personName},
                                     {"zone", zone.value_or("")}}));
            }
        }
    }
    if (!config.carryInZone.empty() && !(zone && zones.within(*zone, config.carryInZone))) {
        for (const auto& [id, item] : state.items()) {
            if (item.person == person && item.checkedIn && !item.checkedOut &&
                !item.leftInsideRaised) {
                out.push_back(event(nowUs, kCustodyItemLeftInside, "item:" + id, person,
                                    {{"item", id},
                                     {"person", person},
                                     {"person_name", item.personName},
                                     {"kind", item.kind},
                                     {"description", item.description},
                                     {"zone", zone.value_or("")}}));
            }
        }
    }
    return out;
}

}  // namespace sekimori::custody
