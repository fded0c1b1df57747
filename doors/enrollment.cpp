#include "doors/enrollment.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "protocol/topics.hpp"

namespace sekimori::doors {
namespace {

core::Error invalid(const std::string& message) {
    return core::makeError("enroll.invalid", message);
}

}  // namespace

core::Result<std::string> normalizeCardUid(std::string_view uid) {
    if (uid.size() < 8 || uid.size() > 20) {
        return invalid("card UID must be 8..20 hex digits, got " + std::to_string(uid.size()) +
                       " characters");
    }
    std::string upper;
    for (char c : uid) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return invalid("card UID '" + std::string(uid) + "' is not hexadecimal");
        }
        upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return upper;
}

Enrollment::Enrollment(CredentialStore& store, const core::Clock& clock, EnrollmentKeys keys,
                       KnownNames names, std::string actor)
    : store_(store),
      clock_(clock),
      keys_(std::move(keys)),
      names_(std::move(names)),
      actor_(std::move(actor)) {}

core::Event Enrollment::event(std::string type, const std::string& subject,
                              std::string payload) const {
    return core::Event{clock_.nowUs(), std::move(type), actor_, subject, std::move(payload)};
}

core::Result<PersonRecord> Enrollment::requirePerson(const std::string& id) {
    if (!protocol::isValidId(id)) {
        return invalid("person id '" + id + "' is not valid: use 1..64 of [a-z0-9_-]");
    }
    auto found = store_.findPerson(id);
    if (!found) {
        return found.error();
    }
    if (!found.value()) {
        return core::makeError("enroll.unknown_person", "no person with id '" + id + "'");
    }
    return std::move(*found.value());
}

Enrollment::Events Enrollment::addPerson(const std::string& id, const std::string& name) {
    if (!protocol::isValidId(id)) {
        return invalid("person id '" + id + "' is not valid: use 1..64 of [a-z0-9_-]");
    }
    if (name.empty() || name.size() > 200) {
        return invalid("person name must be 1..200 bytes");
    }
    auto existing = store_.findPerson(id);
    if (!existing) {
        return existing.error();
    }
    if (existing.value()) {
        return core::makeError("enroll.exists", "person '" + id + "' already exists");
    }
    if (auto r = store_.insertPerson(id, name); !r) {
        return r.error();
    }
    nlohmann::json payload{{"person", id}, {"person_name", name}};
    return std::vector<core::Event>{event("person.enrolled", id, payload.dump())};
}

Enrollment::Events Enrollment::setCard(const std::string& person, const std::string& uid) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    auto normalized = normalizeCardUid(uid);
    if (!normalized) {
        return normalized.error();
    }
    const std::string& card = normalized.value();
    auto existing = store_.findCard(card);
    if (!existing) {
        return existing.error();
    }
    if (existing.value()) {
        const CardRecord& c = *existing.value();
        if (c.state == CardState::revoked) {
            return core::makeError("enroll.card_revoked",
                                   "card " + card + " was revoked and cannot be issued again");
        }
        return core::makeError("enroll.card_assigned",
                               "card " + card + " is already assigned to '" + c.person + "'");
    }
    auto previous = store_.activeCardOf(person);
    if (!previous) {
        return previous.error();
    }
    // Both writes belong to the caller's transaction, with the two events.
    if (previous.value()) {
        if (auto r = store_.revokeCard(previous.value()->uid); !r) {
            return r.error();
        }
    }
    if (auto r = store_.insertCard(card, person); !r) {
        return r.error();
    }
    std::vector<core::Event> events;
    if (previous.value()) {
        nlohmann::json payload{
            {"person", person}, {"card", previous.value()->uid}, {"why", "replaced"}};
        events.push_back(event("person.card_revoked", person, payload.dump()));
    }
    nlohmann::json payload{{"person", person}, {"card", card}};
    events.push_back(event("person.card_set", person, payload.dump()));
    return events;
}

Enrollment::Events Enrollment::revokeCard(const std::string& uid) {
    auto normalized = normalizeCardUid(uid);
    if (!normalized) {
        return normalized.error();
    }
    const std::string& card = normalized.value();
    auto existing = store_.findCard(card);
    if (!existing) {
        return existing.error();
    }
    if (!existing.value()) {
        return core::makeError("enroll.unknown_card", "no card " + card + " is enrolled");
    }
    if (existing.value()->state == CardState::revoked) {
        return core::makeError("enroll.card_revoked", "card " + card + " is already revoked");
    }
    if (auto r = store_.revokeCard(card); !r) {
        return r.error();
    }
    const std::string& person = existing.value()->person;
    nlohmann::json payload{{"person", person}, {"card", card}, {"why", "revoked"}};
    return std::vector<core::Event>{event("person.card_revoked", person, payload.dump())};
}

Enrollment::Events Enrollment::setPin(const std::string& person, std::string_view digits) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    // The message never repeats the PIN.
    if (digits.size() < kMinPinDigits || digits.size() > kMaxPinDigits) {
        return invalid("PIN must be " + std::to_string(kMinPinDigits) + ".." +
                       std::to_string(kMaxPinDigits) + " digits");
    }
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return invalid("PIN must contain digits 0-9 only");
    }
    if (keys_.pepper.size() != core::kPepperKeySize) {
        return core::makeError("enroll.key", "PIN pepper key is not loaded");
    }
    if (auto r = store_.storePinHash(person, core::keyedHash(keys_.pepper, digits)); !r) {
        return r.error();
    }
    nlohmann::json payload{{"person", person}};
    return std::vector<core::Event>{event("person.pin_set", person, payload.dump())};
}

Enrollment::Events Enrollment::setFingerprint(const std::string& person,
                                              const core::Bytes& templateBytes) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    if (templateBytes.empty() || templateBytes.size() > kMaxTemplateBytes) {
        return invalid("fingerprint template must be 1.." + std::to_string(kMaxTemplateBytes) +
                       " bytes, got " + std::to_string(templateBytes.size()));
    }
    if (keys_.templateKey.size() != core::kBoxKeySize) {
        return core::makeError("enroll.key", "template key is not loaded");
    }
    if (auto r = store_.storeFingerBox(person, core::sealBox(keys_.templateKey, templateBytes));
        !r) {
        return r.error();
    }
    nlohmann::json payload{{"person", person}, {"template_bytes", templateBytes.size()}};
    return std::vector<core::Event>{event("person.finger_set", person, payload.dump())};
}

Enrollment::Events Enrollment::grantZone(const std::string& person, const std::string& zone,
                                         const std::string& scheduleId) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    if (names_.zones.count(zone) == 0) {
        return core::makeError("enroll.unknown_zone",
                               "zone '" + zone + "' is not in the site configuration");
    }
    if (names_.schedules.count(scheduleId) == 0) {
        return core::makeError("enroll.unknown_schedule",
                               "schedule '" + scheduleId + "' is not in the site configuration");
    }
    if (auto r = store_.storeGrant(person, zone, scheduleId); !r) {
        return r.error();
    }
    nlohmann::json payload{{"person", person}, {"zone", zone}, {"schedule", scheduleId}};
    return std::vector<core::Event>{event("person.zone_granted", person, payload.dump())};
}

}  // namespace sekimori::doors
