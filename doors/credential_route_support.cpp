#include "doors/credential_route_support.hpp"

#include "core/log.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

std::string kindName(FieldKind kind) {
    switch (kind) {
        case FieldKind::string:
            return "a string";
        case FieldKind::integer:
            return "an integer >= 0";
        case FieldKind::boolean:
            return "true or false";
    }
    return "a value";
}

bool hasKind(const nlohmann::json& value, FieldKind kind) {
    switch (kind) {
        case FieldKind::string:
            return value.is_string();
        case FieldKind::integer:
            return value.is_number_unsigned() ||
                   (value.is_number_integer() && value.get<std::int64_t>() >= 0);
        case FieldKind::boolean:
            return value.is_boolean();
    }
    return false;
}

std::optional<core::ApiResult> unknownQuery(const core::ApiCall& call,
                                            std::initializer_list<std::string_view> query) {
    for (const auto& [name, value] : call.query) {
        bool known = false;
        for (auto q : query) {
            known = known || name == q;
        }
        if (!known) {
            return routeError(400, kDoorsBadRequest, name + ": unknown query parameter");
        }
    }
    return std::nullopt;
}

}  // namespace

core::ApiResult routeError(int status, std::string_view code, std::string message) {
    return core::ApiResult{status, {{"error", std::move(message)}, {"code", std::string(code)}}};
}

core::ApiResult errorResult(const core::Error& error) {
    const int status = enrollmentErrorStatus(error);
    if (status >= 500) {
        const bool storeDown = status == 503;
        if (storeDown) {
            core::logWarning(kComponent, "credential change not stored: " + error.message);
            return routeError(503, "doors.unavailable",
                              "the audit store cannot take the change now: " + error.message);
        }
        core::logError(kComponent, error.code + ": " + error.message);
        return routeError(500, "doors.internal", "internal error");
    }
    return routeError(status, error.code, error.message);
}

std::optional<core::ApiResult> checkBody(const core::ApiCall& call,
                                         std::initializer_list<BodyField> fields,
                                         std::initializer_list<std::string_view> query) {
    std::string expected;
    for (const auto& f : fields) {
        expected += (expected.empty() ? "" : ", ") + std::string(f.name);
    }
    if (!call.body.is_object()) {
        return routeError(400, kDoorsBadRequest, "body: must be a JSON object with " + expected);
    }
    for (const auto& [name, value] : call.body.items()) {
        bool known = false;
        for (const auto& f : fields) {
            known = known || name == f.name;
        }
        if (!known) {
            return routeError(400, kDoorsBadRequest,
                              name + ": unknown field (expected " + expected + ")");
        }
    }
    for (const auto& f : fields) {
        auto it = call.body.find(std::string(f.name));
        if (it == call.body.end()) {
            if (f.required) {
                return routeError(400, kDoorsBadRequest, std::string(f.name) + ": required");
            }
            continue;
        }
        if (!hasKind(*it, f.kind)) {
            return routeError(400, kDoorsBadRequest,
                              std::string(f.name) + ": must be " + kindName(f.kind));
        }
    }
    return unknownQuery(call, query);
}

std::optional<core::ApiResult> checkNoBody(const core::ApiCall& call,
                                           std::initializer_list<std::string_view> query) {
    if (!call.body.is_null() && !(call.body.is_object() && call.body.empty())) {
        return routeError(400, kDoorsBadRequest, "body: this route takes no body");
    }
    return unknownQuery(call, query);
}

std::string bodyString(const core::ApiCall& call, std::string_view field) {
    auto it = call.body.find(std::string(field));
    return it == call.body.end() ? std::string() : it->get<std::string>();
}

std::int64_t bodyInteger(const core::ApiCall& call, std::string_view field,
                         std::int64_t otherwise) {
    auto it = call.body.find(std::string(field));
    return it == call.body.end() ? otherwise : it->get<std::int64_t>();
}

std::string param(const core::ApiCall& call, const std::string& name) {
    auto it = call.params.find(name);
    return it == call.params.end() ? std::string() : it->second;
}

std::optional<core::ApiResult> checkId(std::string_view what, const std::string& id) {
    if (auto r = checkPersonId(id); !r) {
        return routeError(
            400, kDoorsBadRequest,
            std::string(what) + ": '" + id + "' is not a valid id (use 1..64 of [a-z0-9_-])");
    }
    return std::nullopt;
}

std::optional<core::ApiResult> checkSubject(const core::ApiCall& call, const std::string& person) {
    if (auto r = checkPersonId(person); !r) {
        return routeError(400, kDoorsBadRequest, "id: " + r.error().message);
    }
    if (!call.actorPerson.empty() && call.actorPerson == person) {
        return routeError(403, kDoorsForbidden,
                          "operator " + call.actor + " is linked to person '" + person +
                              "' and cannot change their own person, credentials or access");
    }
    return std::nullopt;
}

void commitAction(const EnrollmentContextPtr& context, const core::ApiCall& call,
                  EnrollmentAction action, int okStatus, nlohmann::json okBody,
                  core::ApiReply reply) {
    core::Change change;
    change.apply = [context, actor = actorOf(call),
                    action = std::move(action)](core::Database& db) {
        return runEnrollment(db, context->clock, context->keys, context->names, actor, action);
    };
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

void requestApproval(const EnrollmentContextPtr& context, const core::ApiCall& call,
                     std::string_view kind, nlohmann::json action, std::string summary,
                     const std::string& person, policy::ApprovalStage stage, core::ApiReply reply) {
    if (context->approvals == nullptr) {
        reply(routeError(
            503, "doors.unavailable",
            std::string(kind) + " needs an approval and the approval engine is not running"));
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

core::Result<void> checkOnWriter(const EnrollmentContext& context, core::Database& db,
                                 EnrollmentActor actor,
                                 const std::function<core::Result<void>(Enrollment&)>& check) {
    auto store = CredentialStore::attach(db);
    if (!store) {
        return store.error();
    }
    Enrollment enrollment(**store, context.clock, context.keys, context.names, std::move(actor));
    return check(enrollment);
}

}  // namespace sekimori::doors
