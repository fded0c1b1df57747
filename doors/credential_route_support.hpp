#pragma once
// What the credential write routes share (doors/enrollment_routes, doors/person_routes): body
// and path checks that name the field, the operator-may-not-change-their-own-person rule, one
// core::Change per write answered once durable, a request to the approval engine answered 202,
// and the error bodies ({"error": message, "code": "doors.<what>" or the enrollment's code}).
#include <nlohmann/json.hpp>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_route.hpp"
#include "doors/enrollment_routes.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::doors {

// Route-level error codes (docs/openapi.yaml); the console's catalogue looks up error.<code>.
inline constexpr std::string_view kDoorsBadRequest = "doors.bad_request";  // 400
inline constexpr std::string_view kDoorsForbidden = "doors.forbidden";     // 403
inline constexpr std::string_view kDoorsNotFound = "doors.not_found";      // 404

// {"error": message, "code": code}.
core::ApiResult routeError(int status, std::string_view code, std::string message);
// An enrollment error as its status (enrollmentErrorStatus) and code; a 5xx is logged and
// answered without internals.
core::ApiResult errorResult(const core::Error& error);

enum class FieldKind { string, integer, boolean };
struct BodyField {
    std::string_view name;
    FieldKind kind = FieldKind::string;
    bool required = true;
};
// 400 naming what is wrong: a body that is not an object, an unknown member, a missing
// required one, one of the wrong JSON type (an integer must be a whole number ≥ 0), or a query
// parameter outside `query`.
std::optional<core::ApiResult> checkBody(const core::ApiCall& call,
                                         std::initializer_list<BodyField> fields,
                                         std::initializer_list<std::string_view> query = {});
// A route that takes no body (DELETE, GET): 400 for a body or an unknown query parameter.
std::optional<core::ApiResult> checkNoBody(const core::ApiCall& call,
                                           std::initializer_list<std::string_view> query = {});

std::string bodyString(const core::ApiCall& call, std::string_view field);
// The member, or `otherwise` when absent (checkBody vetted its type).
std::int64_t bodyInteger(const core::ApiCall& call, std::string_view field,
                         std::int64_t otherwise = 0);
std::string param(const core::ApiCall& call, const std::string& name);

// 400 for a malformed person id in the path or body; 403 when the operator is linked to that
// person (nobody changes their own person, credentials or access).
std::optional<core::ApiResult> checkSubject(const core::ApiCall& call, const std::string& person);
// 400 for an id that is not 1..64 of [a-z0-9_-] (`what` names the field).
std::optional<core::ApiResult> checkId(std::string_view what, const std::string& id);

using EnrollmentContextPtr = std::shared_ptr<const EnrollmentContext>;

// The rows and their events in one Change on the recorder; `reply` once durable (okStatus with
// okBody) or refused (errorResult).
void commitAction(const EnrollmentContextPtr& context, const core::ApiCall& call,
                  EnrollmentAction action, int okStatus, nlohmann::json okBody,
                  core::ApiReply reply);

// Asks the approval engine for `kind`; 202 {"approval": {id, kind, state, expires_us}}, 503
// when no engine runs.
void requestApproval(const EnrollmentContextPtr& context, const core::ApiCall& call,
                     std::string_view kind, nlohmann::json action, std::string summary,
                     const std::string& person, policy::ApprovalStage stage, core::ApiReply reply);

// An Enrollment on the writer's connection acting as `actor` (an approval's stage checks; the
// actor's person decides the self rules).
core::Result<void> checkOnWriter(const EnrollmentContext& context, core::Database& db,
                                 EnrollmentActor actor,
                                 const std::function<core::Result<void>(Enrollment&)>& check);

}  // namespace sekimori::doors
