#include "doors/enrollment.hpp"

#include <algorithm>
#include <cctype>

#include <sodium.h>

#include "core/api_actor.hpp"
#include "core/row_digest.hpp"
#include "doors/credential_binding.hpp"
#include "doors/door_event_types.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {
namespace {

core::Error invalid(const std::string& message) {
    return core::makeError(std::string(kEnrollInvalid), message);
}

core::Error refused(std::string_view code, const std::string& message) {
    return core::makeError(std::string(code), message);
}

}  // namespace

EnrollmentActor actorOf(const core::ApiCall& call) {
    return EnrollmentActor{core::actorSource(call), core::actorFields(call)};
}

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

core::Result<void> checkPinDigits(std::string_view digits) {
    // The message never repeats the PIN.
    if (digits.size() < kMinPinDigits || digits.size() > kMaxPinDigits) {
        return invalid("PIN must be " + std::to_string(kMinPinDigits) + ".." +
                       std::to_string(kMaxPinDigits) + " digits");
    }
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return invalid("PIN must contain digits 0-9 only");
    }
    return {};
}

core::Result<void> checkPersonId(const std::string& id) {
    if (!protocol::isValidId(id)) {
        return invalid("person id '" + id + "' is not valid: use 1..64 of [a-z0-9_-]");
    }
    return {};
}

Enrollment::Enrollment(CredentialStore& store, const core::Clock& clock, EnrollmentKeys keys,
                       KnownNames names, EnrollmentActor actor)
    : store_(store),
      clock_(clock),
      keys_(std::move(keys)),
      names_(std::move(names)),
      actor_(std::move(actor)) {}

Enrollment::Events runEnrollment(core::Database& db, const core::Clock& clock,
                                 const EnrollmentKeys& keys, const KnownNames& names,
                                 EnrollmentActor actor, const EnrollmentAction& action) {
    auto store = CredentialStore::attach(db);
    if (!store) {
        return store.error();
    }
    Enrollment enrollment(**store, clock, keys, names, std::move(actor));
    return action(enrollment);
}

core::Change enrollmentChange(const core::Clock& clock, EnrollmentKeys keys, KnownNames names,
                              EnrollmentActor actor, EnrollmentAction action,
                              std::function<void(const core::Result<void>&)> onDone) {
    core::Change change;
    // The keys travel in a holder that wipes them when the Change is dropped.
    struct Held {
        EnrollmentKeys keys;
        ~Held() {
            for (core::Bytes* key : {&keys.pepper, &keys.templateKey}) {
                if (!key->empty()) {
                    sodium_memzero(key->data(), key->size());
                }
            }
        }
    };
    auto held = std::make_shared<Held>();
    held->keys = std::move(keys);
    change.apply = [&clock, held, names = std::move(names), actor = std::move(actor),
                    action = std::move(action)](core::Database& db) {
        return runEnrollment(db, clock, held->keys, names, actor, action);
    };
    change.onDone = std::move(onDone);
    return change;
}

Enrollment::~Enrollment() {
    for (core::Bytes* key : {&keys_.pepper, &keys_.templateKey}) {
        if (!key->empty()) {
            sodium_memzero(key->data(), key->size());
        }
    }
}

core::Result<core::Event> Enrollment::rowEvent(core::EventType type, const std::string& subject,
                                               nlohmann::json details,
                                               const core::AuditedTable& table,
                                               const std::vector<std::string>& key) {
    auto digest = core::digestRow(store_.database(), table, key);
    if (!digest) {
        return digest.error();
    }
    for (const auto& [name, value] : actor_.fields.items()) {
        details[name] = value;
    }
    details[std::string(core::kRowDigestMember)] = core::rowDigestJson(table, key, *digest);
    return core::Event{clock_.nowUs(), std::string(type.name), actor_.source, subject,
                       details.dump()};
}

core::Result<PersonRecord> Enrollment::requirePerson(const std::string& id) {
    if (auto r = checkPersonId(id); !r) {
        return r.error();
    }
    auto found = store_.findPerson(id);
    if (!found) {
        return found.error();
    }
    if (!found.value()) {
        return refused(kEnrollUnknownPerson, "no person with id '" + id + "'");
    }
    return std::move(*found.value());
}

Enrollment::Events Enrollment::addPerson(const std::string& id, const std::string& name) {
    if (auto r = checkPersonId(id); !r) {
        return r.error();
    }
    if (name.empty() || name.size() > 200) {
        return invalid("person name must be 1..200 bytes");
    }
    auto existing = store_.findPerson(id);
    if (!existing) {
        return existing.error();
    }
    if (existing.value()) {
        return refused(kEnrollExists, "person '" + id + "' already exists");
    }
    if (auto r = store_.insertPerson(id, name); !r) {
        return r.error();
    }
    auto e =
        rowEvent(kPersonEnrolled, id, {{"person", id}, {"person_name", name}}, peopleTable(), {id});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
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
            return refused(kEnrollCardRevoked,
                           "card " + card + " was revoked and cannot be issued again");
        }
        return refused(kEnrollCardAssigned,
                       "card " + card + " is already assigned to '" + c.person + "'");
    }
    auto previous = store_.activeCardOf(person);
    if (!previous) {
        return previous.error();
    }
    std::vector<core::Event> events;
    if (previous.value()) {
        const std::string old = previous.value()->uid;
        if (auto r = store_.revokeCard(old); !r) {
            return r.error();
        }
        auto e =
            rowEvent(kPersonCardRevoked, person,
                     {{"person", person}, {"card", old}, {"why", "replaced"}}, cardsTable(), {old});
        if (!e) {
            return e.error();
        }
        events.push_back(std::move(*e));
    }
    if (auto r = store_.insertCard(card, person); !r) {
        return r.error();
    }
    auto e = rowEvent(kPersonCardSet, person, {{"person", person}, {"card", card}}, cardsTable(),
                      {card});
    if (!e) {
        return e.error();
    }
    events.push_back(std::move(*e));
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
        return refused(kEnrollUnknownCard, "no card " + card + " is enrolled");
    }
    if (existing.value()->state == CardState::revoked) {
        return refused(kEnrollCardRevoked, "card " + card + " is already revoked");
    }
    if (auto r = store_.revokeCard(card); !r) {
        return r.error();
    }
    const std::string person = existing.value()->person;
    auto e =
        rowEvent(kPersonCardRevoked, person,
                 {{"person", person}, {"card", card}, {"why", "revoked"}}, cardsTable(), {card});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::setPin(const std::string& person, std::string_view digits) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    if (auto r = checkPinDigits(digits); !r) {
        return r.error();
    }
    if (keys_.pepper.size() != core::kPepperKeySize) {
        return refused(kEnrollKey, "PIN pepper key is not loaded");
    }
    if (auto r = store_.storePinHash(person, pinHash(keys_.pepper, person, digits)); !r) {
        return r.error();
    }
    auto e = rowEvent(kPersonPinSet, person, {{"person", person}}, pinsTable(), {person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

core::Result<void> Enrollment::checkZoneAndSchedule(const std::string& zone,
                                                    const std::string& scheduleId) {
    if (names_.zones.count(zone) == 0) {
        return refused(kEnrollUnknownZone, "zone '" + zone + "' is not in the site configuration");
    }
    if (names_.schedules.count(scheduleId) == 0) {
        return refused(kEnrollUnknownSchedule,
                       "schedule '" + scheduleId + "' is not in the site configuration");
    }
    return {};
}

core::Result<void> Enrollment::checkGrant(const std::string& person, const std::string& zone,
                                          const std::string& scheduleId) {
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    return checkZoneAndSchedule(zone, scheduleId);
}

Enrollment::Events Enrollment::grantRow(const std::string& person, const std::string& zone,
                                        const std::string& scheduleId) {
    if (auto r = checkGrant(person, zone, scheduleId); !r) {
        return r.error();
    }
    if (auto r = store_.storeGrant(person, zone, scheduleId); !r) {
        return r.error();
    }
    auto e = rowEvent(kPersonZoneGranted, person,
                      {{"person", person}, {"zone", zone}, {"schedule", scheduleId}}, grantsTable(),
                      {person, zone});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::grantZone(const std::string& person, const std::string& zone,
                                         const std::string& scheduleId) {
    if (names_.restrictedZones.count(zone) != 0) {
        return refused(kEnrollNeedsApproval, "a grant into zone '" + zone +
                                                 "' needs an approval (doors.grant_restricted)");
    }
    return grantRow(person, zone, scheduleId);
}

Enrollment::Events Enrollment::applyApprovedGrant(const std::string& person,
                                                  const std::string& zone,
                                                  const std::string& scheduleId) {
    return grantRow(person, zone, scheduleId);
}

core::Result<void> Enrollment::stageFingerprint(const std::string& approval,
                                                const std::string& person, const core::Bytes& box) {
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    return store_.stagePendingTemplate(approval, person, box);
}

Enrollment::Events Enrollment::applyApprovedFingerprint(const std::string& approval,
                                                        const std::string& person) {
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    auto pending = store_.findPendingTemplate(approval);
    if (!pending) {
        return pending.error();
    }
    if (!pending.value() || pending.value()->person != person) {
        return refused(kEnrollNoPending,
                       "no template waits for approval " + approval + " of '" + person + "'");
    }
    if (keys_.templateKey.size() != core::kBoxKeySize) {
        return refused(kEnrollKey, "template key is not loaded");
    }
    // The box must open for this person: one staged for another (a row moved behind the
    // daemon's back) is refused here rather than at the door.
    auto plain = openTemplate(keys_.templateKey, person, pending.value()->box);
    if (!plain) {
        return refused(kEnrollNoPending, "the template waiting for approval " + approval +
                                             " was not sealed for '" + person + "'");
    }
    const std::size_t templateBytes = plain->size();
    sodium_memzero(plain->data(), plain->size());
    if (auto r = store_.storeFingerBox(person, pending.value()->box); !r) {
        return r.error();
    }
    if (auto r = store_.dropPendingTemplate(approval); !r) {
        return r.error();
    }
    auto e =
        rowEvent(kPersonFingerSet, person, {{"person", person}, {"template_bytes", templateBytes}},
                 fingerprintsTable(), {person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

}  // namespace sekimori::doors
