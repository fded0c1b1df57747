#pragma once
// The daemon's credential write routes (docs/openapi.yaml, "Enrollment"; the CLI's
// `sekimori person ...` calls them), declared with their roles where they are registered:
//   POST   /api/people                    {id,name}        201
//   PUT    /api/people/{id}/card          {uid}            200
//   DELETE /api/cards/{uid}                                 200
//   PUT    /api/people/{id}/pin           {pin}            200
//   PUT    /api/people/{id}/fingerprint   {template_b64}   202 (approval doors.enroll_template);
//          ?finger=2: the second finger (needs a first)
//   POST   /api/people/{id}/grants        {zone,schedule}  200; 202 for a restricted zone
//                                                           (approval doors.grant_restricted)
//   DELETE /api/people/{id}/grants/{zone}                   200
//   PUT    /api/people/{id}/keypad_code   {code}           200 (409 doors.keypad_code_taken)
//   POST   /api/people/{id}/levels        {level,valid_from_us?,valid_until_us?}
//                                                           200; 202 for a level naming a
//                                                           restricted zone
//                                                           (doors.level_restricted)
//   DELETE /api/people/{id}/levels/{level}                  200
//   POST   /api/groups/{id}/members       {person}         200; 202 when the group holds a
//                                                           restricted level (the same kind)
//   DELETE /api/groups/{id}/members/{person}                200
//   POST   /api/groups/{id}/levels        {level,...}      like the person's
//   DELETE /api/groups/{id}/levels/{level}                  200
// Roles: facility_admin and security_admin; nobody changes their own credentials (the
// operator's linked person, nor a group that person belongs to). Each handler validates first (400
// naming the field), then commits the rows with their events in one core::Change through the
// recorder and answers from onDone, once durable. A template is sealed for its person at once and
// waits, sealed, in door_pending_templates until its approval; nothing of a restricted grant or a
// template takes effect before approval.
#include <memory>
#include <vector>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "doors/enrollment.hpp"

namespace sekimori::policy {
class ApprovalEngine;
}

namespace sekimori::doors {

inline constexpr core::RoleSet kCredentialWriters{core::Role::facilityAdmin,
                                                  core::Role::securityAdmin};
inline constexpr core::RoleSet kCredentialApprovers{core::Role::securityAdmin};
inline constexpr std::string_view kGrantRestrictedKind = "doors.grant_restricted";
inline constexpr std::string_view kEnrollTemplateKind = "doors.enroll_template";
inline constexpr std::string_view kLevelRestrictedKind = "doors.level_restricted";

// What the routes and the approval kinds share; immutable once made (the apply closures read
// it on the recorder's writer thread). Wipes its keys when the last holder drops it.
struct EnrollmentContext {
    core::EventRecorder& recorder;
    const core::Clock& clock;
    EnrollmentKeys keys;
    KnownNames names;
    policy::ApprovalEngine* approvals = nullptr;  // null: the 202 routes answer 503
    ~EnrollmentContext();
};

std::vector<core::ApiRoute> enrollmentRoutes(std::shared_ptr<const EnrollmentContext> context);

// Registers doors.grant_restricted, doors.enroll_template and doors.level_restricted (before
// the engine starts).
void registerDoorApprovalKinds(policy::ApprovalEngine& engine,
                               std::shared_ptr<const EnrollmentContext> context);

// The status an enrollment error is answered with (the table in doors/enrollment.hpp; the
// approval engine's own; 503 when the recorder could not store; else 500).
int enrollmentErrorStatus(const core::Error& error);

}  // namespace sekimori::doors
