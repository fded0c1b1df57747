#include "doors/enrollment_routes.hpp"

#include <sodium.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "core/audited_recorder.hpp"
#include "core/log.hpp"
#include "doors/credential_binding.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

void wipe(std::string& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
    secret.clear();
}

// A PIN on its way to the writer thread: wiped when the Change that carries it is dropped
// (after onDone; a retried commit runs the apply again with the same digits).
struct PinDigits {
    std::string digits;
    PinDigits() = default;
    PinDigits(const PinDigits&) = delete;
    PinDigits& operator=(const PinDigits&) = delete;
    ~PinDigits() { wipe(digits); }
};

bool isCodeIn(const core::Error& error, std::initializer_list<std::string_view> codes) {
    for (auto code : codes) {
        if (error.code == code) {
            return true;
        }
    }
    return false;
}

core::ApiResult errorResult(const core::Error& error) {
    const int status = enrollmentErrorStatus(error);
    if (status >= 500) {
        const bool storeDown = status == 503;
        if (storeDown) {
            core::logWarning(kComponent, "credential change not stored: " + error.message);
        } else {
            core::logError(kComponent, error.code + ": " + error.message);
        }
        return core::apiError(
            status, storeDown ? "the audit store cannot take the change now: " + error.message
                              : std::string("internal error"));
    }
    return core::apiError(status, error.message);
}

// 400 naming what is wrong with the body: not an object, an unknown member, a missing one, or
// one that is not a string.
std::optional<core::ApiResult> checkBody(const core::ApiCall& call,
                                         std::initializer_list<std::string_view> fields) {
    std::string expected;
    for (auto f : fields) {
        expected += (expected.empty() ? "" : ", ") + std::string(f);
    }
    if (!call.body.is_object()) {
        return core::apiError(400, "body: must be a JSON object with " + expected);
    }
    for (const auto& [name, value] : call.body.items()) {
        bool known = false;
        for (auto f : fields) {
            known = known || name == f;
        }
        if (!known) {
            return core::apiError(400, name + ": unknown field (expected " + expected + ")");
        }
    }
    for (auto f : fields) {
        auto it = call.body.find(std::string(f));
        if (it == call.body.end()) {
            return core::apiError(400, std::string(f) + ": required");
        }
        if (!it->is_string()) {
            return core::apiError(400, std::string(f) + ": must be a string");
        }
    }
    if (!call.query.empty()) {
        return core::apiError(400, call.query.begin()->first + ": unknown query parameter");
    }
    return std::nullopt;
}

std::string bodyString(const core::ApiCall& call, std::string_view field) {
    return call.body.at(std::string(field)).get<std::string>();
}

std::string param(const core::ApiCall& call, const std::string& name) {
    auto it = call.params.find(name);
    return it == call.params.end() ? std::string() : it->second;
}

// 400 for a malformed person id in the path; 403 when the operator would change their own
// credentials.
std::optional<core::ApiResult> checkSubject(const core::ApiCall& call, const std::string& person) {
    if (auto r = checkPersonId(person); !r) {
        return core::apiError(400, "id: " + r.error().message);
    }
    if (!call.actorPerson.empty() && call.actorPerson == person) {
        return core::apiError(403, "operator " + call.actor + " is linked to person '" + person +
                                       "' and cannot change their own credentials");
    }
    return std::nullopt;
}

std::optional<core::ApiResult> checkZoneAndSchedule(const EnrollmentContext& context,
                                                    const std::string& zone,
                                                    const std::string& schedule) {
    if (context.names.zones.count(zone) == 0) {
        return core::apiError(400, "zone: '" + zone + "' is not in the site configuration");
    }
    if (context.names.schedules.count(schedule) == 0) {
        return core::apiError(400, "schedule: '" + schedule + "' is not in the site configuration");
    }
    return std::nullopt;
}

using Action = std::function<Enrollment::Events(Enrollment&)>;
using Context = std::shared_ptr<const EnrollmentContext>;

core::Result<std::vector<core::Event>> runOnWriter(const EnrollmentContext& context,
                                                   core::Database& db, EnrollmentActor actor,
                                                   const Action& action) {
    return runEnrollment(db, context.clock, context.keys, context.names, std::move(actor), action);
}

// The rows and their events in one Change; the reply once durable (or refused).
void commitAction(const Context& context, const core::ApiCall& call, Action action, int okStatus,
                  nlohmann::json okBody, core::ApiReply reply) {
    core::Change change;
    change.apply = [context, actor = actorOf(call), action = std::move(action)](
                       core::Database& db) { return runOnWriter(*context, db, actor, action); };
    change.onDone = [reply = std::move(reply), okStatus,
                     okBody = std::move(okBody)](const core::Result<void>& done) {
        if (!done) {
            reply(errorResult(done.error()));
            return;
        }
        reply(core::ApiResult{okStatus, okBody});
    };
    context->recorder.commit(std::move(change));
}

void requestApproval(const Context& context, const core::ApiCall& call, std::string_view kind,
                     nlohmann::json action, std::string summary, const std::string& person,
                     policy::ApprovalStage stage, core::ApiReply reply) {
    if (context->approvals == nullptr) {
        reply(core::apiError(503, std::string(kind) + " needs an approval and the approval "
                                                      "engine is not running"));
        return;
    }
    context->approvals->request(
        call, std::string(kind), std::move(action), std::move(summary), person,
        [reply = std::move(reply)](core::Result<policy::ApprovalRequest> requested) {
            if (!requested) {
                reply(errorResult(requested.error()));
                return;
            }
            reply(core::ApiResult{202,
                                  {{"approval",
                                    {{"id", requested->id},
                                     {"kind", requested->kind},
                                     {"state", requested->state},
                                     {"expires_us", requested->expiresUs}}}}});
        },
        std::move(stage));
}

// --- handlers: validate, then commit or ask for approval ----------------------------------

void addPerson(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {"id", "name"})) {
        return reply(std::move(*bad));
    }
    const std::string id = bodyString(call, "id");
    const std::string name = bodyString(call, "name");
    if (auto bad = checkSubject(call, id)) {
        return reply(std::move(*bad));
    }
    if (name.empty() || name.size() > 200) {
        return reply(core::apiError(400, "name: must be 1..200 bytes"));
    }
    commitAction(
        context, call, [id, name](Enrollment& e) { return e.addPerson(id, name); }, 201,
        {{"person", {{"id", id}, {"name", name}}}}, std::move(reply));
}

void setCard(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {"uid"})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto uid = normalizeCardUid(bodyString(call, "uid"));
    if (!uid) {
        return reply(core::apiError(400, "uid: " + uid.error().message));
    }
    commitAction(
        context, call, [person, uid = *uid](Enrollment& e) { return e.setCard(person, uid); }, 200,
        {{"person", person}, {"card", *uid}}, std::move(reply));
}

void revokeCard(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (!call.body.is_null() && !(call.body.is_object() && call.body.empty())) {
        return reply(core::apiError(400, "body: DELETE /api/cards/{uid} takes no body"));
    }
    if (!call.query.empty()) {
        return reply(core::apiError(400, call.query.begin()->first + ": unknown query parameter"));
    }
    // Revoking is allowed for one's own card: it only takes access away (a lost card).
    auto uid = normalizeCardUid(param(call, "uid"));
    if (!uid) {
        return reply(core::apiError(400, "uid: " + uid.error().message));
    }
    commitAction(
        context, call, [uid = *uid](Enrollment& e) { return e.revokeCard(uid); }, 200,
        {{"card", *uid}, {"state", "revoked"}}, std::move(reply));
}

void setPin(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {"pin"})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto pin = std::make_shared<PinDigits>();
    pin->digits = bodyString(call, "pin");
    if (auto r = checkPinDigits(pin->digits); !r) {
        return reply(core::apiError(400, "pin: " + r.error().message));
    }
    commitAction(
        context, call, [person, pin](Enrollment& e) { return e.setPin(person, pin->digits); }, 200,
        {{"person", person}, {"pin", "set"}}, std::move(reply));
}

void setFingerprint(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {"template_b64"})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto plain = core::fromBase64(bodyString(call, "template_b64"));
    if (!plain) {
        return reply(core::apiError(400, "template_b64: not valid base64"));
    }
    const std::size_t size = plain->size();
    if (size == 0 || size > kMaxTemplateBytes) {
        wipe(*plain);
        return reply(core::apiError(400, "template_b64: the template must be 1.." +
                                             std::to_string(kMaxTemplateBytes) + " bytes, got " +
                                             std::to_string(size)));
    }
    // Sealed for the person at once: from here on the template exists only as this box, which
    // waits in door_pending_templates (keyed by the approval id) until the approval.
    core::Bytes box = sealTemplate(context->keys.templateKey, person, *plain);
    wipe(*plain);
    requestApproval(
        context, call, kEnrollTemplateKind, {{"person", person}, {"template_bytes", size}},
        "enroll fingerprint template of " + person, person,
        [context, person, box = std::move(box)](
            core::Database& db, const policy::ApprovalRequest& request) -> core::Result<void> {
            auto store = CredentialStore::attach(db);
            if (!store) {
                return store.error();
            }
            Enrollment enrollment(**store, context->clock, context->keys, context->names, {});
            return enrollment.stageFingerprint(request.id, person, box);
        },
        std::move(reply));
}

void grantZone(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {"zone", "schedule"})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    const std::string zone = bodyString(call, "zone");
    const std::string schedule = bodyString(call, "schedule");
    if (auto bad = checkZoneAndSchedule(*context, zone, schedule)) {
        return reply(std::move(*bad));
    }
    const nlohmann::json granted{{"person", person}, {"zone", zone}, {"schedule", schedule}};
    if (context->names.restrictedZones.count(zone) == 0) {
        commitAction(
            context, call,
            [person, zone, schedule](Enrollment& e) { return e.grantZone(person, zone, schedule); },
            200, granted, std::move(reply));
        return;
    }
    // Nothing is written at request time: the stage only checks that the person exists.
    requestApproval(
        context, call, kGrantRestrictedKind, granted,
        "grant " + person + " " + zone + " " + schedule, person,
        [context, person, zone, schedule](core::Database& db,
                                          const policy::ApprovalRequest&) -> core::Result<void> {
            auto store = CredentialStore::attach(db);
            if (!store) {
                return store.error();
            }
            Enrollment enrollment(**store, context->clock, context->keys, context->names, {});
            return enrollment.checkGrant(person, zone, schedule);
        },
        std::move(reply));
}

// --- approvals ------------------------------------------------------------------------------

// The approval's effect is caused by the approver's call; the trail keeps who asked, too.
EnrollmentActor approvalActor(const policy::ApprovalRequest& request) {
    return EnrollmentActor{
        "operator:" + request.decidedBy,
        {{"actor", request.decidedBy},
         {"approval", request.id},
         {"requested_by", request.requester},
         {"requester_role", std::string(core::roleName(request.requesterRole))}}};
}

core::Result<std::string> actionString(const policy::ApprovalRequest& request,
                                       const std::string& field) {
    auto it = request.action.find(field);
    if (it == request.action.end() || !it->is_string()) {
        return core::makeError(std::string(kEnrollInvalid),
                               "approval " + request.id + ": action has no string '" + field + "'");
    }
    return it->get<std::string>();
}

}  // namespace

EnrollmentContext::~EnrollmentContext() {
    // Readers see the context const; the last holder wipes its keys.
    wipe(keys.pepper);
    wipe(keys.templateKey);
}

int enrollmentErrorStatus(const core::Error& error) {
    if (isCodeIn(error, {kEnrollInvalid, kEnrollUnknownZone, kEnrollUnknownSchedule})) {
        return 400;
    }
    if (isCodeIn(error, {kEnrollUnknownPerson, kEnrollUnknownCard})) {
        return 404;
    }
    if (isCodeIn(error, {kEnrollExists, kEnrollCardAssigned, kEnrollCardRevoked,
                         kEnrollNeedsApproval, kEnrollNoPending})) {
        return 409;
    }
    if (isCodeIn(error, {core::kAuditQueueFull, core::kAuditStopped})) {
        return 503;
    }
    if (error.code.rfind("approval.", 0) == 0) {
        return policy::approvalErrorStatus(error);
    }
    return 500;
}

std::vector<core::ApiRoute> enrollmentRoutes(Context context) {
    const auto route = [&context](
                           core::HttpMethod method, std::string pattern,
                           void (*handler)(const Context&, const core::ApiCall&, core::ApiReply)) {
        return core::ApiRoute{method, std::move(pattern), kCredentialWriters, core::RunOn::io,
                              [context, handler](const core::ApiCall& call, core::ApiReply reply) {
                                  handler(context, call, std::move(reply));
                              }};
    };
    return {
        route(core::HttpMethod::post, "/api/people", addPerson),
        route(core::HttpMethod::put, "/api/people/{id}/card", setCard),
        route(core::HttpMethod::del, "/api/cards/{uid}", revokeCard),
        route(core::HttpMethod::put, "/api/people/{id}/pin", setPin),
        route(core::HttpMethod::put, "/api/people/{id}/fingerprint", setFingerprint),
        route(core::HttpMethod::post, "/api/people/{id}/grants", grantZone),
    };
}

void registerDoorApprovalKinds(policy::ApprovalEngine& engine, Context context) {
    policy::ApprovalKind grant;
    grant.name = std::string(kGrantRestrictedKind);
    grant.requesters = kCredentialWriters;
    grant.approvers = kCredentialApprovers;
    grant.apply = [context](core::Database& db, const policy::ApprovalRequest& request)
        -> core::Result<std::vector<core::Event>> {
        auto person = actionString(request, "person");
        auto zone = actionString(request, "zone");
        auto schedule = actionString(request, "schedule");
        if (!person || !zone || !schedule) {
            return !person ? person.error() : !zone ? zone.error() : schedule.error();
        }
        return runOnWriter(*context, db, approvalActor(request), [&](Enrollment& e) {
            return e.applyApprovedGrant(*person, *zone, *schedule);
        });
    };
    engine.registerKind(std::move(grant));

    policy::ApprovalKind finger;
    finger.name = std::string(kEnrollTemplateKind);
    finger.requesters = kCredentialWriters;
    finger.approvers = kCredentialApprovers;
    finger.apply = [context](core::Database& db, const policy::ApprovalRequest& request)
        -> core::Result<std::vector<core::Event>> {
        auto person = actionString(request, "person");
        if (!person) {
            return person.error();
        }
        return runOnWriter(*context, db, approvalActor(request), [&](Enrollment& e) {
            return e.applyApprovedFingerprint(request.id, *person);
        });
    };
    finger.discard = [context](core::Database& db,
                               const policy::ApprovalRequest& request) -> core::Result<void> {
        auto store = CredentialStore::attach(db);
        if (!store) {
            return store.error();
        }
        return (*store)->dropPendingTemplate(request.id);
    };
    engine.registerKind(std::move(finger));
}

}  // namespace sekimori::doors
