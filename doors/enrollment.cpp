#include "doors/enrollment.hpp"

#include <algorithm>
#include <cctype>

#include <sodium.h>

#include "core/api_actor.hpp"
#include "core/row_digest.hpp"
#include "doors/access_rules_config.hpp"
#include "doors/credential_binding.hpp"
#include "doors/door_event_types.hpp"
#include "protocol/card_format.hpp"
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
    return EnrollmentActor{core::actorSource(call), core::actorFields(call), call.actorPerson};
}

core::Result<std::string> normalizeCardUid(std::string_view uid) {
    if (uid.empty() || uid.size() > 32) {
        return invalid(
            "card id must be 8..20 hex digits or W26-/W34-/W37-<facility>-<number>, "
            "got " +
            std::to_string(uid.size()) + " characters");
    }
    std::string upper;
    for (char c : uid) {
        upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    // protocol/card_format: the one form a reader's decoded card is compared in.
    if (!protocol::isCanonicalCardId(upper)) {
        return invalid("card id '" + std::string(uid) +
                       "' is neither 8..20 hex digits (hexadecimal 0-9A-F, an even count) nor a "
                       "Wiegand id W26-/W34-/W37-<facility>-<number> within its format");
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

core::Result<void> checkKeypadDigits(std::string_view digits) {
    // The message never repeats the code.
    if (digits.size() < kMinKeypadDigits || digits.size() > kMaxKeypadDigits) {
        return invalid("keypad code must be " + std::to_string(kMinKeypadDigits) + ".." +
                       std::to_string(kMaxKeypadDigits) + " digits");
    }
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return invalid("keypad code must contain digits 0-9 only");
    }
    return {};
}

core::Result<void> checkValidity(core::TimeUs validFromUs, core::TimeUs validUntilUs) {
    if (validFromUs < 0 || validUntilUs < 0) {
        return invalid("validity times must be >= 0 (0: unbounded)");
    }
    if (validFromUs != 0 && validUntilUs != 0 && validUntilUs <= validFromUs) {
        return invalid("valid_until_us must be after valid_from_us");
    }
    return {};
}

std::optional<std::string> photoMime(const core::Bytes& bytes) {
    static constexpr std::string_view kJpeg{"\xFF\xD8\xFF", 3};
    static constexpr std::string_view kPng{"\x89PNG\r\n\x1A\n", 8};
    const std::string_view view(bytes);
    if (view.substr(0, kJpeg.size()) == kJpeg) {
        return std::string("image/jpeg");
    }
    if (view.substr(0, kPng.size()) == kPng) {
        return std::string("image/png");
    }
    return std::nullopt;
}

bool isRestrictedLevel(const KnownNames& names, const std::string& level) {
    auto it = names.levels.find(level);
    if (it == names.levels.end()) {
        return false;
    }
    return std::any_of(it->second.begin(), it->second.end(), [&](const std::string& zone) {
        return names.restrictedZones.count(zone) != 0;
    });
}

KnownNames withAccessRules(KnownNames names, const AccessRulesConfig& rules) {
    for (const auto& [id, level] : rules.levels) {
        auto& zones = names.levels[id];
        for (const auto& z : level.zones) {
            zones.insert(z.zone);
        }
    }
    for (const auto& g : rules.groups) {
        names.groups.insert(g.id);
    }
    return names;
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
            for (auto& [panel, key] : keys.panelKeys) {
                sodium_memzero(key.data(), key.size());
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
    for (auto& [panel, key] : keys_.panelKeys) {
        sodium_memzero(key.data(), key.size());
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
    details[std::string(core::kRowDigestMember)] = core::rowDigestJson(table, key, *digest);
    return plainEvent(type, subject, std::move(details));
}

core::Result<core::Event> Enrollment::rowsEvent(core::EventType type, const std::string& subject,
                                                nlohmann::json details,
                                                const std::vector<RowRef>& rows) {
    if (rows.size() == 1) {
        return rowEvent(type, subject, std::move(details), *rows.front().table, rows.front().key);
    }
    nlohmann::json digests = nlohmann::json::array();
    for (const auto& row : rows) {
        auto digest = core::digestRow(store_.database(), *row.table, row.key);
        if (!digest) {
            return digest.error();
        }
        digests.push_back(core::rowDigestJson(*row.table, row.key, *digest));
    }
    details[std::string(core::kRowDigestMember)] = std::move(digests);
    return plainEvent(type, subject, std::move(details));
}

core::Event Enrollment::plainEvent(core::EventType type, const std::string& subject,
                                   nlohmann::json details) const {
    for (const auto& [name, value] : actor_.fields.items()) {
        details[name] = value;
    }
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
    std::vector<RowRef> rows{{&pinsTable(), {person}}};
    nlohmann::json panels = nlohmann::json::array();
    for (const auto& [panel, key] : keys_.panelKeys) {
        if (key.size() != core::kBoxKeySize) {
            return refused(kEnrollKey, "panel " + panel + " has no 32-byte key");
        }
        if (auto r = store_.storeOfflinePinHash(person, panel, offlinePinHash(key, person, digits));
            !r) {
            return r.error();
        }
        rows.push_back({&offlinePinsTable(), {person, panel}});
        panels.push_back(panel);
    }
    // A panel no longer declared keeps no hash of the new PIN: its old one goes.
    auto held = store_.offlinePinPanels(person);
    if (!held) {
        return held.error();
    }
    for (const auto& panel : *held) {
        if (keys_.panelKeys.count(panel) == 0) {
            if (auto r = store_.deleteOfflinePinHash(person, panel); !r) {
                return r.error();
            }
            rows.push_back({&offlinePinsTable(), {person, panel}});
        }
    }
    auto e =
        rowsEvent(kPersonPinSet, person, {{"person", person}, {"offline_panels", panels}}, rows);
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
                                                const std::string& person, const core::Bytes& box,
                                                int finger) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    if (finger == 2 && holder->fingerBox.empty()) {
        return invalid("person '" + person + "' has no first finger: enroll finger 1 first");
    }
    return store_.stagePendingTemplate(approval, person, box);
}

Enrollment::Events Enrollment::applyApprovedFingerprint(const std::string& approval,
                                                        const std::string& person, int finger) {
    auto holder = requirePerson(person);
    if (!holder) {
        return holder.error();
    }
    if (finger != 1 && finger != 2) {
        return invalid("finger must be 1 or 2");
    }
    if (finger == 2 && holder->fingerBox.empty()) {
        return invalid("person '" + person + "' has no first finger: enroll finger 1 first");
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
    if (auto r = finger == 1 ? store_.storeFingerBox(person, pending.value()->box)
                             : store_.storeBackupFingerBox(person, pending.value()->box);
        !r) {
        return r.error();
    }
    if (auto r = store_.dropPendingTemplate(approval); !r) {
        return r.error();
    }
    auto e = rowEvent(kPersonFingerSet, person,
                      {{"person", person}, {"template_bytes", templateBytes}, {"finger", finger}},
                      finger == 1 ? fingerprintsTable() : backupFingerprintsTable(), {person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::removeGrant(const std::string& person, const std::string& zone) {
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    auto removed = store_.deleteGrant(person, zone);
    if (!removed) {
        return removed.error();
    }
    if (!*removed) {
        return refused(kEnrollNotFound,
                       "person '" + person + "' has no direct grant for zone '" + zone + "'");
    }
    auto e = rowEvent(kPersonGrantRemoved, person, {{"person", person}, {"zone", zone}},
                      grantsTable(), {person, zone});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

namespace {

// door_people.name; the store has no rename of its own (the row's other columns stay).
core::Result<void> renamePerson(core::Database& db, const std::string& person,
                                const std::string& name) {
    auto st = db.prepare("UPDATE door_people SET name = ?2 WHERE id = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, person).bind(2, name);
    return st->run();
}

}  // namespace

Enrollment::Events Enrollment::updatePerson(const std::string& person, const PersonPatch& patch) {
    auto current = requirePerson(person);
    if (!current) {
        return current.error();
    }
    if (patch.empty()) {
        return invalid(
            "nothing to change: give name, organisation, valid_from_us, "
            "valid_until_us, escort_required or weight_kg");
    }
    if (patch.name && (patch.name->empty() || patch.name->size() > kMaxNameBytes)) {
        return invalid("person name must be 1.." + std::to_string(kMaxNameBytes) + " bytes");
    }
    if (patch.organisation && patch.organisation->size() > kMaxNameBytes) {
        return invalid("organisation must be at most " + std::to_string(kMaxNameBytes) + " bytes");
    }
    auto stored = store_.findPersonDetails(person);
    if (!stored) {
        return stored.error();
    }
    const PersonDetails before = stored->value_or(PersonDetails{});
    PersonDetails after = before;
    after.organisation = patch.organisation.value_or(before.organisation);
    after.validFromUs = patch.validFromUs.value_or(before.validFromUs);
    after.validUntilUs = patch.validUntilUs.value_or(before.validUntilUs);
    after.escortRequired = patch.escortRequired.value_or(before.escortRequired);
    if (auto r = checkValidity(after.validFromUs, after.validUntilUs); !r) {
        return r.error();
    }
    nlohmann::json details{{"person", person}};
    nlohmann::json changed = nlohmann::json::array();
    std::vector<RowRef> rows;
    if (patch.name && *patch.name != current->name) {
        if (auto r = renamePerson(store_.database(), person, *patch.name); !r) {
            return r.error();
        }
        changed.push_back("name");
        details["name"] = *patch.name;
        rows.push_back({&peopleTable(), {person}});
    }
    const auto note = [&](const char* field, const nlohmann::json& value, bool differs) {
        if (differs) {
            changed.push_back(field);
            details[field] = value;
        }
    };
    note("organisation", after.organisation, after.organisation != before.organisation);
    note("valid_from_us", after.validFromUs, after.validFromUs != before.validFromUs);
    note("valid_until_us", after.validUntilUs, after.validUntilUs != before.validUntilUs);
    note("escort_required", after.escortRequired, after.escortRequired != before.escortRequired);
    const bool detailsChanged = changed.size() > (rows.empty() ? 0U : 1U);
    if (detailsChanged) {
        if (auto r = store_.upsertPersonDetails(person, after); !r) {
            return r.error();
        }
        rows.push_back({&personDetailsTable(), {person}});
    }
    if (patch.weightG) {
        if (*patch.weightG < 0 || *patch.weightG > kMaxWeightG) {
            return invalid("weight_kg must be 0..300 (0 removes the enrolled weight)");
        }
        auto was = store_.weightOf(person);
        if (!was) {
            return was.error();
        }
        if (was->value_or(0) != *patch.weightG) {
            if (*patch.weightG == 0) {
                if (auto r = store_.deleteWeight(person); !r) {
                    return r.error();
                }
            } else if (auto r = store_.storeWeight(person, *patch.weightG); !r) {
                return r.error();
            }
            changed.push_back("weight_g");
            details["weight_g"] = *patch.weightG;
            rows.push_back({&personWeightsTable(), {person}});
        }
    }
    if (rows.empty()) {
        return std::vector<core::Event>{};  // the same values again: nothing to record
    }
    details["changed"] = std::move(changed);
    auto e = rowsEvent(kPersonUpdated, person, std::move(details), rows);
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::setActive(const std::string& person, bool active,
                                         const std::string& comment) {
    auto current = requirePerson(person);
    if (!current) {
        return current.error();
    }
    if (comment.empty() || comment.size() > kMaxCommentBytes) {
        return invalid("comment must be 1.." + std::to_string(kMaxCommentBytes) + " bytes");
    }
    if (current->active == active) {
        return refused(kEnrollUnchanged,
                       "person '" + person + "' is already " + (active ? "enabled" : "disabled"));
    }
    auto updated = store_.setActive(person, active);
    if (!updated) {
        return updated.error();
    }
    auto cards = store_.cardsOf(person);
    if (!cards) {
        return cards.error();
    }
    nlohmann::json activeCards = nlohmann::json::array();
    for (const auto& c : *cards) {
        if (c.state == CardState::active) {
            activeCards.push_back(c.uid);
        }
    }
    auto e = rowEvent(active ? kPersonEnabled : kPersonDisabled, person,
                      {{"person", person},
                       {"person_name", current->name},
                       {"comment", comment},
                       {"cards", std::move(activeCards)}},
                      peopleTable(), {person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::setKeypadCode(const std::string& person, std::string_view digits) {
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    if (auto r = checkKeypadDigits(digits); !r) {
        return r.error();
    }
    if (keys_.pepper.size() != core::kPepperKeySize) {
        return refused(kEnrollKey, "PIN pepper key is not loaded");
    }
    // A code one digit away (last digit ±1) from another person's would let one of them enter as
    // the other's duress, or the other's code as theirs: refused like a taken code, naming nobody.
    std::string variant(digits);
    variant.back() = variant.back() == '9' ? '0' : static_cast<char>(variant.back() + 1);
    for (const std::string& near : {variant, duressOrigin(digits)}) {
        auto taken = store_.keypadCodeHeldByOther(person, keypadCodeHash(keys_.pepper, near));
        if (!taken) {
            return taken.error();
        }
        if (taken.value()) {
            return core::makeError(std::string(kKeypadCodeTaken),
                                   "this keypad code is too close to one already in use; choose "
                                   "another");
        }
    }
    if (auto r = store_.storeKeypadCode(person, keypadCodeHash(keys_.pepper, digits)); !r) {
        return r.error();
    }
    auto e =
        rowEvent(kPersonKeypadCodeSet, person, {{"person", person}}, keypadCodesTable(), {person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::setPhoto(const std::string& person, const core::Bytes& bytes) {
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    if (bytes.empty() || bytes.size() > kMaxPhotoBytes) {
        return invalid("photo must be 1.." + std::to_string(kMaxPhotoBytes) + " bytes, got " +
                       std::to_string(bytes.size()));
    }
    auto mime = photoMime(bytes);
    if (!mime) {
        return invalid("photo must be a JPEG or PNG image");
    }
    PersonPhoto photo{*mime, bytes, core::toHex(core::sha256(bytes))};
    if (auto r = store_.storePhoto(person, photo); !r) {
        return r.error();
    }
    return std::vector<core::Event>{plainEvent(
        kPersonPhotoSet, person,
        {{"person", person}, {"sha256", photo.sha256}, {"bytes", bytes.size()}, {"mime", *mime}})};
}

core::Result<void> Enrollment::checkHolder(LevelHolder kind, const std::string& holder) {
    if (kind == LevelHolder::person) {
        if (auto r = requirePerson(holder); !r) {
            return r.error();
        }
        if (!actor_.person.empty() && actor_.person == holder) {
            return refused(kEnrollSelf, "nobody changes their own access levels");
        }
        return {};
    }
    if (names_.groups.count(holder) == 0) {
        return refused(kEnrollUnknownGroup,
                       "group '" + holder + "' is not in the site configuration");
    }
    if (!actor_.person.empty()) {
        auto groups = store_.groupsOf(actor_.person);
        if (!groups) {
            return groups.error();
        }
        if (std::find(groups->begin(), groups->end(), holder) != groups->end()) {
            return refused(kEnrollSelf, "the operator's person '" + actor_.person +
                                            "' is a member of group '" + holder +
                                            "' and cannot change its access levels");
        }
    }
    return {};
}

core::Result<void> Enrollment::checkMembership(const std::string& group,
                                               const std::string& person) {
    if (names_.groups.count(group) == 0) {
        return refused(kEnrollUnknownGroup,
                       "group '" + group + "' is not in the site configuration");
    }
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    if (!actor_.person.empty() && actor_.person == person) {
        return refused(kEnrollSelf, "nobody changes their own groups");
    }
    auto groups = store_.groupsOf(person);
    if (!groups) {
        return groups.error();
    }
    if (std::find(groups->begin(), groups->end(), group) != groups->end()) {
        return refused(kEnrollUnchanged,
                       "person '" + person + "' is already a member of group '" + group + "'");
    }
    return {};
}

Enrollment::Events Enrollment::joinGroup(const std::string& group, const std::string& person) {
    if (auto r = checkMembership(group, person); !r) {
        return r.error();
    }
    // Joining a group that holds a restricted level grants that level: four eyes, like the level.
    if (!approved_) {
        auto levels = store_.levelsOf(LevelHolder::group, group);
        if (!levels) {
            return levels.error();
        }
        for (const auto& l : *levels) {
            if (isRestrictedLevel(names_, l.level)) {
                return refused(kEnrollNeedsApproval,
                               "group '" + group + "' holds restricted level '" + l.level +
                                   "': joining it needs an approval (doors.level_restricted)");
            }
        }
    }
    if (auto r = store_.addGroupMember(group, person); !r) {
        return r.error();
    }
    auto e = rowEvent(kPersonGroupJoined, person, {{"person", person}, {"group", group}},
                      groupMembersTable(), {group, person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::applyApprovedMembership(const std::string& group,
                                                       const std::string& person) {
    approved_ = true;
    auto events = joinGroup(group, person);
    approved_ = false;
    return events;
}

Enrollment::Events Enrollment::leaveGroup(const std::string& group, const std::string& person) {
    if (names_.groups.count(group) == 0) {
        return refused(kEnrollUnknownGroup,
                       "group '" + group + "' is not in the site configuration");
    }
    if (auto holder = requirePerson(person); !holder) {
        return holder.error();
    }
    auto removed = store_.removeGroupMember(group, person);
    if (!removed) {
        return removed.error();
    }
    if (!*removed) {
        return refused(kEnrollNotFound,
                       "person '" + person + "' is not a member of group '" + group + "'");
    }
    auto e = rowEvent(kPersonGroupLeft, person, {{"person", person}, {"group", group}},
                      groupMembersTable(), {group, person});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

core::Result<void> Enrollment::checkLevel(LevelHolder kind, const std::string& holder,
                                          const std::string& level, core::TimeUs validFromUs,
                                          core::TimeUs validUntilUs) {
    if (auto r = checkHolder(kind, holder); !r) {
        return r.error();
    }
    if (names_.levels.count(level) == 0) {
        return refused(kEnrollUnknownLevel,
                       "access level '" + level + "' is not in the site configuration");
    }
    return checkValidity(validFromUs, validUntilUs);
}

Enrollment::Events Enrollment::levelRow(LevelHolder kind, const std::string& holder,
                                        const std::string& level, core::TimeUs validFromUs,
                                        core::TimeUs validUntilUs) {
    if (auto r = checkLevel(kind, holder, level, validFromUs, validUntilUs); !r) {
        return r.error();
    }
    if (auto r = store_.upsertLevelAssignment(kind, holder,
                                              LevelAssignment{level, validFromUs, validUntilUs});
        !r) {
        return r.error();
    }
    const std::string holderKind(toString(kind));
    auto e = rowEvent(kPersonLevelAssigned, kind == LevelHolder::person ? holder : std::string(),
                      {{"holder_kind", holderKind},
                       {"holder", holder},
                       {"level", level},
                       {"valid_from_us", validFromUs},
                       {"valid_until_us", validUntilUs}},
                      levelAssignmentsTable(), {holderKind, holder, level});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

Enrollment::Events Enrollment::assignLevel(LevelHolder kind, const std::string& holder,
                                           const std::string& level, core::TimeUs validFromUs,
                                           core::TimeUs validUntilUs) {
    if (isRestrictedLevel(names_, level)) {
        return refused(kEnrollNeedsApproval, "access level '" + level +
                                                 "' names a restricted zone: it needs an "
                                                 "approval (doors.level_restricted)");
    }
    return levelRow(kind, holder, level, validFromUs, validUntilUs);
}

Enrollment::Events Enrollment::applyApprovedLevel(LevelHolder kind, const std::string& holder,
                                                  const std::string& level,
                                                  core::TimeUs validFromUs,
                                                  core::TimeUs validUntilUs) {
    return levelRow(kind, holder, level, validFromUs, validUntilUs);
}

Enrollment::Events Enrollment::removeLevel(LevelHolder kind, const std::string& holder,
                                           const std::string& level) {
    if (auto r = checkHolder(kind, holder); !r) {
        return r.error();
    }
    auto removed = store_.deleteLevelAssignment(kind, holder, level);
    if (!removed) {
        return removed.error();
    }
    if (!*removed) {
        return refused(kEnrollNotFound, std::string(toString(kind)) + " '" + holder +
                                            "' does not hold access level '" + level + "'");
    }
    const std::string holderKind(toString(kind));
    auto e = rowEvent(kPersonLevelRemoved, kind == LevelHolder::person ? holder : std::string(),
                      {{"holder_kind", holderKind}, {"holder", holder}, {"level", level}},
                      levelAssignmentsTable(), {holderKind, holder, level});
    if (!e) {
        return e.error();
    }
    return std::vector<core::Event>{std::move(*e)};
}

}  // namespace sekimori::doors
