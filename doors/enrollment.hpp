#pragma once
// The credential changes the daemon makes for the enrollment routes (doors/door_routes) and the
// approvals of doors.* kinds: validates, writes the credential store and returns the audit
// events to record, each with the actor and the digest of the row it left
// (core::rowDigestJson). Events never hold a PIN or a template, only that one was set.
// An action opens no transaction of its own: it runs inside a core::Change's apply on the
// recorder's writer connection, so the credential change and its audit record are durable
// together or not at all.
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event.hpp"
#include "core/event_recorder.hpp"
#include "core/event_type.hpp"
#include "core/result.hpp"
#include "doors/credential_store.hpp"

namespace sekimori::doors {

inline constexpr std::size_t kMinPinDigits = 4;
inline constexpr std::size_t kMaxPinDigits = 8;
// docs/mqtt.md caps a challenge's template_box at 2048 sealed bytes; sealing for the panel adds
// a 24-byte nonce and a 16-byte MAC.
inline constexpr std::size_t kMaxTemplateBytes = 2048 - 40;
// A keypad code opens a PIN-only door by itself, so it is longer than a PIN.
inline constexpr std::size_t kMinKeypadDigits = 6;
inline constexpr std::size_t kMaxKeypadDigits = 8;
// A person's photo: JPEG or PNG (checked by its magic bytes), at most this many bytes.
inline constexpr std::size_t kMaxPhotoBytes = 256 * 1024;
inline constexpr std::size_t kMaxNameBytes = 200;
inline constexpr std::size_t kMaxCommentBytes = 500;

struct EnrollmentKeys {
    core::Bytes pepper;       // pin-pepper.key, core::kPepperKeySize bytes
    core::Bytes templateKey;  // template.key, core::kBoxKeySize bytes
    // Issue 15: every declared panel's key (the offline PIN hash is computed for each at PIN
    // enrollment: door_offline_pins); empty: no offline PINs.
    std::map<std::string, core::Bytes> panelKeys{};
};
// The heaviest weight a person may enrol (grams).
inline constexpr int kMaxWeightG = 300'000;

// Zones, schedules, access levels and groups the site configuration defines; grants and
// assignments naming others are refused. A grant into a restricted zone (a management_area or
// handling_area), or a level naming one, needs an approval.
struct KnownNames {
    std::set<std::string> zones;
    std::set<std::string> schedules;
    std::set<std::string> restrictedZones;
    std::map<std::string, std::set<std::string>> levels{};  // level id -> the zones it names
    std::set<std::string> groups{};
};
// A level that names a restricted zone (assigning it needs doors.level_restricted).
bool isRestrictedLevel(const KnownNames& names, const std::string& level);
// `names` with the access levels and groups of the site's access rules ([[access_levels]],
// [[groups]]): what the doors service hands the enrollment routes.
struct AccessRulesConfig;
KnownNames withAccessRules(KnownNames names, const AccessRulesConfig& rules);

// Who acts, as every event of the change records it: Event::source and payload members.
struct EnrollmentActor {
    std::string source;     // "operator:<name>"
    nlohmann::json fields;  // core::actorFields (+ the approval's id and requester)
    // The person the operator's account is linked to (empty: none): a level assigned to a
    // group this person belongs to would be a grant to themselves, and is refused.
    std::string person{};
};
EnrollmentActor actorOf(const core::ApiCall& call);

// Error codes an action answers with (docs/openapi.yaml maps them to statuses).
inline constexpr std::string_view kEnrollInvalid = "enroll.invalid";                   // 400
inline constexpr std::string_view kEnrollUnknownPerson = "enroll.unknown_person";      // 404
inline constexpr std::string_view kEnrollUnknownCard = "enroll.unknown_card";          // 404
inline constexpr std::string_view kEnrollUnknownZone = "enroll.unknown_zone";          // 400
inline constexpr std::string_view kEnrollUnknownSchedule = "enroll.unknown_schedule";  // 400
inline constexpr std::string_view kEnrollExists = "enroll.exists";                     // 409
inline constexpr std::string_view kEnrollCardAssigned = "enroll.card_assigned";        // 409
inline constexpr std::string_view kEnrollCardRevoked = "enroll.card_revoked";          // 409
inline constexpr std::string_view kEnrollNeedsApproval = "enroll.needs_approval";      // 409
inline constexpr std::string_view kEnrollNoPending = "enroll.no_pending_template";     // 409
inline constexpr std::string_view kEnrollKey = "enroll.key";                           // 500
inline constexpr std::string_view kEnrollUnknownLevel = "enroll.unknown_level";        // 400
inline constexpr std::string_view kEnrollUnknownGroup = "enroll.unknown_group";        // 400
inline constexpr std::string_view kEnrollNotFound = "enroll.not_found";  // 404: no such grant,
                                                                         // level or membership
inline constexpr std::string_view kEnrollSelf = "enroll.self";  // 403: a change for oneself
inline constexpr std::string_view kEnrollUnchanged = "enroll.unchanged";  // 409: already so

// What PATCH /api/people/{id} changes; an absent member stays as it is.
struct PersonPatch {
    std::optional<std::string> name;
    std::optional<std::string> organisation;
    std::optional<core::TimeUs> validFromUs;  // 0: unbounded
    std::optional<core::TimeUs> validUntilUs;
    std::optional<bool> escortRequired;
    // Issue 15: the enrolled weight for circle gates in grams (door_person_weights); 0 removes.
    std::optional<int> weightG{};
    bool empty() const {
        return !name && !organisation && !validFromUs && !validUntilUs && !escortRequired &&
               !weightG;
    }
};

class Enrollment {
  public:
    Enrollment(CredentialStore& store, const core::Clock& clock, EnrollmentKeys keys,
               KnownNames names, EnrollmentActor actor);
    ~Enrollment();  // wipes its copy of the keys
    Enrollment(const Enrollment&) = delete;
    Enrollment& operator=(const Enrollment&) = delete;

    using Events = core::Result<std::vector<core::Event>>;

    Events addPerson(const std::string& id, const std::string& name);
    // Lower-case hex is accepted and stored upper-case. A person's previous active card is
    // revoked by the same action (two events).
    Events setCard(const std::string& person, const std::string& uid);
    Events revokeCard(const std::string& uid);
    // Only the keyed hash (bound to the person) is stored, and the offline hash for every panel
    // key it holds (door_offline_pins; one event with every row's digest); the caller wipes
    // `digits`.
    Events setPin(const std::string& person, std::string_view digits);
    // A grant into an ordinary zone; a restricted zone is refused (enroll.needs_approval).
    Events grantZone(const std::string& person, const std::string& zone,
                     const std::string& scheduleId);
    // Deletes the direct grant (person.grant_removed with a null row digest).
    Events removeGrant(const std::string& person, const std::string& zone);

    // Name (door_people) and details (door_person_details) in one event, person.updated, with
    // the digests of the rows it changed.
    Events updatePerson(const std::string& person, const PersonPatch& patch);
    // person.disabled / person.enabled with the comment and the person's active cards (the
    // revocation push tells the panels). Disabling an already disabled person is
    // enroll.unchanged.
    Events setActive(const std::string& person, bool active, const std::string& comment);
    // Only the keyed hash of the digits (doors/credential_binding keypadCodeHash); another
    // person's code is doors.keypad_code_taken. The caller wipes `digits`.
    Events setKeypadCode(const std::string& person, std::string_view digits);
    // JPEG or PNG (photoMime), <= kMaxPhotoBytes; door_photos is not audited (it decides
    // nothing), the event carries the photo's SHA-256.
    Events setPhoto(const std::string& person, const core::Bytes& bytes);

    // Joining a group that holds a restricted level is refused (enroll.needs_approval): the
    // route then asks doors.level_restricted, whose approval calls applyApprovedMembership.
    Events joinGroup(const std::string& group, const std::string& person);
    core::Result<void> checkMembership(const std::string& group, const std::string& person);
    Events applyApprovedMembership(const std::string& group, const std::string& person);
    Events leaveGroup(const std::string& group, const std::string& person);

    // A level whose zones are all ordinary; a restricted level is refused
    // (enroll.needs_approval; doors.level_restricted applies it). validUntilUs 0 = unbounded.
    Events assignLevel(LevelHolder kind, const std::string& holder, const std::string& level,
                       core::TimeUs validFromUs, core::TimeUs validUntilUs);
    core::Result<void> checkLevel(LevelHolder kind, const std::string& holder,
                                  const std::string& level, core::TimeUs validFromUs,
                                  core::TimeUs validUntilUs);
    Events applyApprovedLevel(LevelHolder kind, const std::string& holder, const std::string& level,
                              core::TimeUs validFromUs, core::TimeUs validUntilUs);
    Events removeLevel(LevelHolder kind, const std::string& holder, const std::string& level);

    // The approvals' side (policy::ApprovalEngine: stage at request, apply at approval,
    // discard at rejection or expiry). Nothing of these decides who gets in before apply.
    core::Result<void> checkGrant(const std::string& person, const std::string& zone,
                                  const std::string& scheduleId);
    Events applyApprovedGrant(const std::string& person, const std::string& zone,
                              const std::string& scheduleId);
    // `box` is the template already sealed for `person` (doors/credential_binding).
    core::Result<void> stageFingerprint(const std::string& approval, const std::string& person,
                                        const core::Bytes& box, int finger = 1);
    // finger 1 replaces the person's template (door_fingerprints), finger 2 their second one
    // (door_backup_fingerprints), which needs a first.
    Events applyApprovedFingerprint(const std::string& approval, const std::string& person,
                                    int finger = 1);

  private:
    core::Result<PersonRecord> requirePerson(const std::string& id);
    core::Result<void> checkZoneAndSchedule(const std::string& zone, const std::string& scheduleId);
    Events grantRow(const std::string& person, const std::string& zone,
                    const std::string& scheduleId);
    // The event of one row's change: `details` + the actor + the row's digest as it is now.
    core::Result<core::Event> rowEvent(core::EventType type, const std::string& subject,
                                       nlohmann::json details, const core::AuditedTable& table,
                                       const std::vector<std::string>& key);
    // The same for a change of several rows (row_digest is then an array).
    struct RowRef {
        const core::AuditedTable* table;
        std::vector<std::string> key;
    };
    core::Result<core::Event> rowsEvent(core::EventType type, const std::string& subject,
                                        nlohmann::json details, const std::vector<RowRef>& rows);
    // An event without a row digest (door_photos is not audited).
    core::Event plainEvent(core::EventType type, const std::string& subject,
                           nlohmann::json details) const;
    core::Result<void> checkHolder(LevelHolder kind, const std::string& holder);
    Events levelRow(LevelHolder kind, const std::string& holder, const std::string& level,
                    core::TimeUs validFromUs, core::TimeUs validUntilUs);

    CredentialStore& store_;
    const core::Clock& clock_;
    EnrollmentKeys keys_;
    KnownNames names_;
    EnrollmentActor actor_;
    bool approved_ = false;  // inside an approval's apply (applyApprovedMembership)
};

// A core::Change whose apply runs `action` with an Enrollment on the recorder's writer
// connection: the rows and their events in one transaction. What the routes commit; tests and
// the bench enroll the same way.
using EnrollmentAction = std::function<Enrollment::Events(Enrollment&)>;
core::Change enrollmentChange(const core::Clock& clock, EnrollmentKeys keys, KnownNames names,
                              EnrollmentActor actor, EnrollmentAction action,
                              std::function<void(const core::Result<void>&)> onDone = {});
// The same, run directly on `db` (inside the caller's transaction).
Enrollment::Events runEnrollment(core::Database& db, const core::Clock& clock,
                                 const EnrollmentKeys& keys, const KnownNames& names,
                                 EnrollmentActor actor, const EnrollmentAction& action);

// Card ids as protocol/card_format decodes them: 8..20 hex digits (even count; lower case is
// accepted) or a Wiegand id W26-/W34-/W37-<facility>-<number>; returns the canonical form.
core::Result<std::string> normalizeCardUid(std::string_view uid);
// The checks setPin makes on the digits, for a route that validates before it commits.
core::Result<void> checkPinDigits(std::string_view digits);
// A person id as the routes and the store take it: 1..64 of [a-z0-9_-].
core::Result<void> checkPersonId(const std::string& id);
// The checks setKeypadCode makes on the digits (kMinKeypadDigits..kMaxKeypadDigits of 0-9).
core::Result<void> checkKeypadDigits(std::string_view digits);
// A validity span: 0 = unbounded at that end; else until must be after from.
core::Result<void> checkValidity(core::TimeUs validFromUs, core::TimeUs validUntilUs);
// "image/jpeg" or "image/png" by the bytes' magic (JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A
// 0A); nullopt for anything else.
std::optional<std::string> photoMime(const core::Bytes& bytes);

}  // namespace sekimori::doors
