#include "doors/zone_rebuild.hpp"

#include "doors/door_event_types.hpp"
#include "doors/presence_rebuild.hpp"

namespace sekimori::doors {
namespace {

std::string stringField(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

core::TimeUs integerField(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<core::TimeUs>() : 0;
}

// An entry grant uses up the forgiveness of the one who badged and of every companion.
void consumeForgiveness(std::set<std::string>& forgiven, const std::string& subject,
                        const nlohmann::json& payload) {
    if (!payload.is_object() || stringField(payload, "side") != "entry") {
        return;
    }
    forgiven.erase(subject);
    forgiven.erase(stringField(payload, "person"));
    auto companions = payload.find("companions");
    if (companions != payload.end() && companions->is_array()) {
        for (const auto& c : *companions) {
            if (c.is_object()) {
                forgiven.erase(stringField(c, "person"));
            }
        }
    }
}

void apply(ZoneTrail& trail, std::string_view type, const std::string& subject,
           const std::string& payloadText, core::TimeUs timeUs) {
    if (kAccessGranted == type) {
        // The common case parses no grant payload: nobody is forgiven, or the grant is neither
        // theirs nor one with companions.
        if (trail.forgiven.empty() || (trail.forgiven.count(subject) == 0 &&
                                       payloadText.find("\"companions\"") == std::string::npos)) {
            return;
        }
        consumeForgiveness(trail.forgiven, subject,
                           nlohmann::json::parse(payloadText, nullptr, false));
        return;
    }
    const auto payload = nlohmann::json::parse(payloadText, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_object()) {
        return;
    }
    if (kZoneLockdownStarted == type || kZoneLockdownLifted == type) {
        trail.lockdownEvents.push_back(ZoneTrail::Record{std::string(type), payload, timeUs});
    } else if (kAccessPassbackForgiven == type) {
        if (auto person = stringField(payload, "person"); !person.empty()) {
            trail.forgiven.insert(std::move(person));
        }
    } else if (kZoneMusterStarted == type) {
        if (auto roll = musterRollFromPayload(payload, timeUs)) {
            trail.muster = std::move(roll);
        }
    } else if (kZoneAlone == type) {
        const std::string zone = stringField(payload, "zone");
        if (!zone.empty()) {
            trail.alone[zone] =
                ZoneTrail::Alone{stringField(payload, "person"), integerField(payload, "since_us")};
        }
    } else if (kZoneAloneCleared == type) {
        trail.alone.erase(stringField(payload, "zone"));
    }
}

}  // namespace

core::Result<ZoneTrail> readZoneTrail(core::Database& db) {
    ZoneTrail trail;
    auto found = hasAuditTrail(db);
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return trail;
    }
    auto st = db.prepare(
        "SELECT time_us, type, subject, payload FROM audit_events"
        " WHERE type IN (?1, ?2, ?3, ?4, ?5, ?6, ?7) ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, kZoneLockdownStarted.name)
        .bind(2, kZoneLockdownLifted.name)
        .bind(3, kAccessPassbackForgiven.name)
        .bind(4, kAccessGranted.name)
        .bind(5, kZoneMusterStarted.name)
        .bind(6, kZoneAlone.name)
        .bind(7, kZoneAloneCleared.name);
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return trail;
        }
        apply(trail, st->columnText(1), st->columnText(2), st->columnText(3), st->columnInt(0));
    }
}

}  // namespace sekimori::doors
