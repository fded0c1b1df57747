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

struct EnrollmentKeys {
    core::Bytes pepper;       // pin-pepper.key, core::kPepperKeySize bytes
    core::Bytes templateKey;  // template.key, core::kBoxKeySize bytes
};

// Zones and schedules the site configuration defines; grants naming others are refused.
// A grant into a restricted zone (a management_area or handling_area) needs an approval.
struct KnownNames {
    std::set<std::string> zones;
    std::set<std::string> schedules;
    std::set<std::string> restrictedZones;
};

// Who acts, as every event of the change records it: Event::source and payload members.
struct EnrollmentActor {
    std::string source;     // "operator:<name>"
    nlohmann::json fields;  // core::actorFields (+ the approval's id and requester)
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
    // Only the keyed hash (bound to the person) is stored; the caller wipes `digits`.
    Events setPin(const std::string& person, std::string_view digits);
    // A grant into an ordinary zone; a restricted zone is refused (enroll.needs_approval).
    Events grantZone(const std::string& person, const std::string& zone,
                     const std::string& scheduleId);

    // The approvals' side (policy::ApprovalEngine: stage at request, apply at approval,
    // discard at rejection or expiry). Nothing of these decides who gets in before apply.
    core::Result<void> checkGrant(const std::string& person, const std::string& zone,
                                  const std::string& scheduleId);
    Events applyApprovedGrant(const std::string& person, const std::string& zone,
                              const std::string& scheduleId);
    // `box` is the template already sealed for `person` (doors/credential_binding).
    core::Result<void> stageFingerprint(const std::string& approval, const std::string& person,
                                        const core::Bytes& box);
    Events applyApprovedFingerprint(const std::string& approval, const std::string& person);

  private:
    core::Result<PersonRecord> requirePerson(const std::string& id);
    core::Result<void> checkZoneAndSchedule(const std::string& zone, const std::string& scheduleId);
    Events grantRow(const std::string& person, const std::string& zone,
                    const std::string& scheduleId);
    // The event of one row's change: `details` + the actor + the row's digest as it is now.
    core::Result<core::Event> rowEvent(core::EventType type, const std::string& subject,
                                       nlohmann::json details, const core::AuditedTable& table,
                                       const std::vector<std::string>& key);

    CredentialStore& store_;
    const core::Clock& clock_;
    EnrollmentKeys keys_;
    KnownNames names_;
    EnrollmentActor actor_;
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

// Card UIDs as the readers send them: 8..20 hex digits; returns the upper-case form.
core::Result<std::string> normalizeCardUid(std::string_view uid);
// The checks setPin makes on the digits, for a route that validates before it commits.
core::Result<void> checkPinDigits(std::string_view digits);
// A person id as the routes and the store take it: 1..64 of [a-z0-9_-].
core::Result<void> checkPersonId(const std::string& id);

}  // namespace sekimori::doors
