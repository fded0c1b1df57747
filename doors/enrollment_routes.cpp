#include "doors/enrollment_routes.hpp"

#include <sodium.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "core/audited_recorder.hpp"
#include "doors/credential_binding.hpp"
#include "doors/credential_route_support.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::doors {
namespace {

void wipe(std::string& secret) {
    if (!secret.empty()) {
        sodium_memzero(secret.data(), secret.size());
    }
    secret.clear();
}

// A PIN or keypad code on its way to the writer thread: wiped when the Change that carries it
// is dropped (after onDone; a retried commit runs the apply again with the same digits).
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

std::optional<core::ApiResult> checkZoneAndSchedule(const EnrollmentContext& context,
                                                    const std::string& zone,
                                                    const std::string& schedule) {
    if (context.names.zones.count(zone) == 0) {
        return routeError(400, kEnrollUnknownZone,
                          "zone: '" + zone + "' is not in the site configuration");
    }
    if (context.names.schedules.count(schedule) == 0) {
        return routeError(400, kEnrollUnknownSchedule,
                          "schedule: '" + schedule + "' is not in the site configuration");
    }
    return std::nullopt;
}

using Context = EnrollmentContextPtr;

core::Result<std::vector<core::Event>> runOnWriter(const EnrollmentContext& context,
                                                   core::Database& db, EnrollmentActor actor,
                                                   const EnrollmentAction& action) {
    return runEnrollment(db, context.clock, context.keys, context.names, std::move(actor), action);
}

// --- handlers: validate, then commit or ask for approval ----------------------------------

void addPerson(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"id"}, {"name"}})) {
        return reply(std::move(*bad));
    }
    const std::string id = bodyString(call, "id");
    const std::string name = bodyString(call, "name");
    if (auto bad = checkSubject(call, id)) {
        return reply(std::move(*bad));
    }
    if (name.empty() || name.size() > 200) {
        return reply(routeError(400, kDoorsBadRequest, "name: must be 1..200 bytes"));
    }
    commitAction(
        context, call, [id, name](Enrollment& e) { return e.addPerson(id, name); }, 201,
        {{"person", {{"id", id}, {"name", name}}}}, std::move(reply));
}

void setCard(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"uid"}})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto uid = normalizeCardUid(bodyString(call, "uid"));
    if (!uid) {
        return reply(routeError(400, kDoorsBadRequest, "uid: " + uid.error().message));
    }
    commitAction(
        context, call, [person, uid = *uid](Enrollment& e) { return e.setCard(person, uid); }, 200,
        {{"person", person}, {"card", *uid}}, std::move(reply));
}

void revokeCard(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkNoBody(call)) {
        return reply(std::move(*bad));
    }
    // Revoking is allowed for one's own card: it only takes access away (a lost card).
    auto uid = normalizeCardUid(param(call, "uid"));
    if (!uid) {
        return reply(routeError(400, kDoorsBadRequest, "uid: " + uid.error().message));
    }
    commitAction(
        context, call, [uid = *uid](Enrollment& e) { return e.revokeCard(uid); }, 200,
        {{"card", *uid}, {"state", "revoked"}}, std::move(reply));
}

void setPin(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"pin"}})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto pin = std::make_shared<PinDigits>();
    pin->digits = bodyString(call, "pin");
    if (auto r = checkPinDigits(pin->digits); !r) {
        return reply(routeError(400, kDoorsBadRequest, "pin: " + r.error().message));
    }
    commitAction(
        context, call, [person, pin](Enrollment& e) { return e.setPin(person, pin->digits); }, 200,
        {{"person", person}, {"pin", "set"}}, std::move(reply));
}

void setFingerprint(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"template_b64"}}, {"finger"})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    int finger = 1;
    if (auto it = call.query.find("finger"); it != call.query.end()) {
        if (it->second != "1" && it->second != "2") {
            return reply(routeError(400, kDoorsBadRequest, "finger: must be 1 or 2"));
        }
        finger = it->second == "2" ? 2 : 1;
    }
    auto plain = core::fromBase64(bodyString(call, "template_b64"));
    if (!plain) {
        return reply(routeError(400, kDoorsBadRequest, "template_b64: not valid base64"));
    }
    const std::size_t size = plain->size();
    if (size == 0 || size > kMaxTemplateBytes) {
        wipe(*plain);
        return reply(routeError(400, kDoorsBadRequest,
                                "template_b64: the template must be 1.." +
                                    std::to_string(kMaxTemplateBytes) + " bytes, got " +
                                    std::to_string(size)));
    }
    // Sealed for the person at once: from here on the template exists only as this box, which
    // waits in door_pending_templates (keyed by the approval id) until the approval.
    core::Bytes box = sealTemplate(context->keys.templateKey, person, *plain);
    wipe(*plain);
    nlohmann::json action{{"person", person}, {"template_bytes", size}};
    if (finger == 2) {
        action["finger"] = 2;
    }
    requestApproval(
        context, call, kEnrollTemplateKind, std::move(action),
        std::string(finger == 2 ? "enroll second fingerprint template of "
                                : "enroll fingerprint template of ") +
            person,
        person,
        [context, person, finger, box = std::move(box)](
            core::Database& db, const policy::ApprovalRequest& request) -> core::Result<void> {
            return checkOnWriter(*context, db, {}, [&](Enrollment& e) {
                return e.stageFingerprint(request.id, person, box, finger);
            });
        },
        std::move(reply));
}

void grantZone(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"zone"}, {"schedule"}})) {
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
            return checkOnWriter(*context, db, {}, [&](Enrollment& e) {
                return e.checkGrant(person, zone, schedule);
            });
        },
        std::move(reply));
}

void removeGrant(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkNoBody(call)) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    const std::string zone = param(call, "zone");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    if (auto bad = checkId("zone", zone)) {
        return reply(std::move(*bad));
    }
    commitAction(
        context, call, [person, zone](Enrollment& e) { return e.removeGrant(person, zone); }, 200,
        {{"person", person}, {"zone", zone}, {"grant", "removed"}}, std::move(reply));
}

void setKeypadCode(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"code"}})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto code = std::make_shared<PinDigits>();
    code->digits = bodyString(call, "code");
    if (auto r = checkKeypadDigits(code->digits); !r) {
        return reply(routeError(400, kDoorsBadRequest, "code: " + r.error().message));
    }
    commitAction(
        context, call,
        [person, code](Enrollment& e) { return e.setKeypadCode(person, code->digits); }, 200,
        {{"person", person}, {"keypad_code", "set"}}, std::move(reply));
}

// --- access levels and groups ---------------------------------------------------------------

struct LevelRequest {
    LevelHolder kind = LevelHolder::person;
    std::string holder;
    std::string level;
    core::TimeUs validFromUs = 0;
    core::TimeUs validUntilUs = 0;

    nlohmann::json toJson() const {
        return {{"holder_kind", std::string(toString(kind))},
                {"holder", holder},
                {"level", level},
                {"valid_from_us", validFromUs},
                {"valid_until_us", validUntilUs}};
    }
};

// The holder from the path: a person (nobody assigns themselves) or a configured group.
std::optional<core::ApiResult> checkHolderPath(const Context& context, const core::ApiCall& call,
                                               LevelHolder kind, const std::string& holder) {
    if (kind == LevelHolder::person) {
        return checkSubject(call, holder);
    }
    if (auto bad = checkId("id", holder)) {
        return bad;
    }
    if (context->names.groups.count(holder) == 0) {
        return routeError(404, kEnrollUnknownGroup,
                          "group '" + holder + "' is not in the site configuration");
    }
    return std::nullopt;
}

void assignLevel(const Context& context, const core::ApiCall& call, LevelHolder kind,
                 core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"level"},
                                    {"valid_from_us", FieldKind::integer, false},
                                    {"valid_until_us", FieldKind::integer, false}})) {
        return reply(std::move(*bad));
    }
    LevelRequest request{kind, param(call, "id"), bodyString(call, "level"),
                         bodyInteger(call, "valid_from_us"), bodyInteger(call, "valid_until_us")};
    if (auto bad = checkHolderPath(context, call, kind, request.holder)) {
        return reply(std::move(*bad));
    }
    if (context->names.levels.count(request.level) == 0) {
        return reply(routeError(
            400, kEnrollUnknownLevel,
            "level: '" + request.level + "' is not an access level of the site configuration"));
    }
    if (auto r = checkValidity(request.validFromUs, request.validUntilUs); !r) {
        return reply(routeError(400, kDoorsBadRequest, r.error().message));
    }
    if (!isRestrictedLevel(context->names, request.level)) {
        commitAction(
            context, call,
            [request](Enrollment& e) {
                return e.assignLevel(request.kind, request.holder, request.level,
                                     request.validFromUs, request.validUntilUs);
            },
            200, request.toJson(), std::move(reply));
        return;
    }
    // A level naming a restricted zone: four eyes. The stage checks as the requester (who may
    // not be the person, nor a member of the group).
    requestApproval(
        context, call, kLevelRestrictedKind, request.toJson(),
        "assign level " + request.level + " to " + std::string(toString(kind)) + " " +
            request.holder,
        kind == LevelHolder::person ? request.holder : std::string(),
        [context, request, actor = actorOf(call)](
            core::Database& db, const policy::ApprovalRequest&) -> core::Result<void> {
            return checkOnWriter(*context, db, actor, [&](Enrollment& e) {
                return e.checkLevel(request.kind, request.holder, request.level,
                                    request.validFromUs, request.validUntilUs);
            });
        },
        std::move(reply));
}

void removeLevel(const Context& context, const core::ApiCall& call, LevelHolder kind,
                 core::ApiReply reply) {
    if (auto bad = checkNoBody(call)) {
        return reply(std::move(*bad));
    }
    const std::string holder = param(call, "id");
    const std::string level = param(call, "level");
    if (auto bad = checkHolderPath(context, call, kind, holder)) {
        return reply(std::move(*bad));
    }
    if (auto bad = checkId("level", level)) {
        return reply(std::move(*bad));
    }
    commitAction(
        context, call,
        [kind, holder, level](Enrollment& e) { return e.removeLevel(kind, holder, level); }, 200,
        {{"holder_kind", std::string(toString(kind))},
         {"holder", holder},
         {"level", level},
         {"assignment", "removed"}},
        std::move(reply));
}

void assignPersonLevel(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    assignLevel(context, call, LevelHolder::person, std::move(reply));
}
void removePersonLevel(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    removeLevel(context, call, LevelHolder::person, std::move(reply));
}
void assignGroupLevel(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    assignLevel(context, call, LevelHolder::group, std::move(reply));
}
void removeGroupLevel(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    removeLevel(context, call, LevelHolder::group, std::move(reply));
}

void addGroupMember(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"person"}})) {
        return reply(std::move(*bad));
    }
    const std::string group = param(call, "id");
    const std::string person = bodyString(call, "person");
    if (auto bad = checkHolderPath(context, call, LevelHolder::group, group)) {
        return reply(std::move(*bad));
    }
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    // Only the transaction knows whether the group holds a restricted level: an ordinary group
    // is joined at once; for the other the refusal turns into a doors.level_restricted request.
    const nlohmann::json joined{{"group", group}, {"person", person}};
    core::Change change;
    change.apply = [context, actor = actorOf(call), group, person](core::Database& db) {
        return runOnWriter(*context, db, actor,
                           [&](Enrollment& e) { return e.joinGroup(group, person); });
    };
    change.onDone = [context, call, group, person, joined,
                     reply = std::move(reply)](const core::Result<void>& done) mutable {
        if (done) {
            reply(core::ApiResult{200, joined});
            return;
        }
        if (done.error().code != kEnrollNeedsApproval) {
            reply(errorResult(done.error()));
            return;
        }
        nlohmann::json action = joined;
        action["join"] = true;
        requestApproval(
            context, call, kLevelRestrictedKind, std::move(action),
            "add " + person + " to group " + group + " (holds a restricted level)", person,
            [context, group, person, actor = actorOf(call)](
                core::Database& db, const policy::ApprovalRequest&) -> core::Result<void> {
                return checkOnWriter(*context, db, actor, [&](Enrollment& e) {
                    return e.checkMembership(group, person);
                });
            },
            std::move(reply));
    };
    context->recorder.commit(std::move(change));
}

void removeGroupMember(const Context& context, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkNoBody(call)) {
        return reply(std::move(*bad));
    }
    const std::string group = param(call, "id");
    const std::string person = param(call, "person");
    if (auto bad = checkHolderPath(context, call, LevelHolder::group, group)) {
        return reply(std::move(*bad));
    }
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    commitAction(
        context, call, [group, person](Enrollment& e) { return e.leaveGroup(group, person); }, 200,
        {{"group", group}, {"person", person}, {"membership", "removed"}}, std::move(reply));
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

core::TimeUs actionTime(const policy::ApprovalRequest& request, const std::string& field) {
    auto it = request.action.find(field);
    return it != request.action.end() && it->is_number_integer() ? it->get<core::TimeUs>() : 0;
}

// doors.level_restricted: a level assignment ({holder_kind, holder, level, valid_*}) or a
// membership of a group holding such a level ({group, person, join: true}).
core::Result<std::vector<core::Event>> applyRestrictedLevel(
    const EnrollmentContext& context, core::Database& db, const policy::ApprovalRequest& request) {
    if (request.action.value("join", false)) {
        auto group = actionString(request, "group");
        auto person = actionString(request, "person");
        if (!group || !person) {
            return !group ? group.error() : person.error();
        }
        return runOnWriter(context, db, approvalActor(request), [&](Enrollment& e) {
            return e.applyApprovedMembership(*group, *person);
        });
    }
    auto kind = actionString(request, "holder_kind");
    auto holder = actionString(request, "holder");
    auto level = actionString(request, "level");
    if (!kind || !holder || !level) {
        return !kind ? kind.error() : !holder ? holder.error() : level.error();
    }
    if (*kind != "person" && *kind != "group") {
        return core::makeError(
            std::string(kEnrollInvalid),
            "approval " + request.id + ": holder_kind '" + *kind + "' is not person or group");
    }
    const LevelHolder holderKind = *kind == "person" ? LevelHolder::person : LevelHolder::group;
    return runOnWriter(context, db, approvalActor(request), [&](Enrollment& e) {
        return e.applyApprovedLevel(holderKind, *holder, *level,
                                    actionTime(request, "valid_from_us"),
                                    actionTime(request, "valid_until_us"));
    });
}

}  // namespace

EnrollmentContext::~EnrollmentContext() {
    // Readers see the context const; the last holder wipes its keys.
    wipe(keys.pepper);
    wipe(keys.templateKey);
}

int enrollmentErrorStatus(const core::Error& error) {
    if (isCodeIn(error, {kEnrollInvalid, kEnrollUnknownZone, kEnrollUnknownSchedule,
                         kEnrollUnknownLevel, kEnrollUnknownGroup, kDoorsBadRequest})) {
        return 400;
    }
    if (isCodeIn(error, {kEnrollSelf, kDoorsForbidden})) {
        return 403;
    }
    if (isCodeIn(error,
                 {kEnrollUnknownPerson, kEnrollUnknownCard, kEnrollNotFound, kDoorsNotFound})) {
        return 404;
    }
    if (isCodeIn(error,
                 {kEnrollExists, kEnrollCardAssigned, kEnrollCardRevoked, kEnrollNeedsApproval,
                  kEnrollNoPending, kEnrollUnchanged, kKeypadCodeTaken})) {
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
        route(core::HttpMethod::del, "/api/people/{id}/grants/{zone}", removeGrant),
        route(core::HttpMethod::put, "/api/people/{id}/keypad_code", setKeypadCode),
        route(core::HttpMethod::post, "/api/people/{id}/levels", assignPersonLevel),
        route(core::HttpMethod::del, "/api/people/{id}/levels/{level}", removePersonLevel),
        route(core::HttpMethod::post, "/api/groups/{id}/members", addGroupMember),
        route(core::HttpMethod::del, "/api/groups/{id}/members/{person}", removeGroupMember),
        route(core::HttpMethod::post, "/api/groups/{id}/levels", assignGroupLevel),
        route(core::HttpMethod::del, "/api/groups/{id}/levels/{level}", removeGroupLevel),
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
        const int which = request.action.value("finger", 1);
        return runOnWriter(*context, db, approvalActor(request), [&](Enrollment& e) {
            return e.applyApprovedFingerprint(request.id, *person, which);
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

    policy::ApprovalKind level;
    level.name = std::string(kLevelRestrictedKind);
    level.requesters = kCredentialWriters;
    level.approvers = kCredentialApprovers;
    level.apply = [context](core::Database& db, const policy::ApprovalRequest& request) {
        return applyRestrictedLevel(*context, db, request);
    };
    engine.registerKind(std::move(level));
}

}  // namespace sekimori::doors
