#include "console/operator_routes.hpp"

#include "console/operator_store.hpp"
#include "core/api_actor.hpp"
#include "core/log.hpp"
#include "protocol/ids.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;
constexpr std::string_view kComponent = "operators";

core::ApiResult errorResult(int status, const core::Error& error) {
    return core::ApiResult{status, json{{"error", error.message}, {"code", error.code}}};
}

int statusOf(const core::Error& error) {
    if (error.code == "console.unknown_operator") {
        return 404;
    }
    if (error.code == "console.bad_name" || error.code == "console.bad_action") {
        return 400;
    }
    if (error.code.starts_with("console.")) {
        return 409;
    }
    if (error.code.starts_with("approval.")) {
        return policy::approvalErrorStatus(error);
    }
    return 500;
}

core::ApiResult failure(const core::Error& error) {
    const int status = statusOf(error);
    if (status == 500) {
        core::logError(std::string(kComponent), error.code + ": " + error.message);
        return core::apiError(500, "internal error");
    }
    return errorResult(status, error);
}

core::Result<std::unique_ptr<core::Database>> openReader(const std::string& path) {
    return core::Database::open(path);
}

// {name, role, person?} as the add route and the operators.add action carry it.
struct AddInput {
    std::string name;
    Role role = Role::deskOperator;
    std::string person;
};

core::Result<AddInput> readAdd(const json& body) {
    if (!body.is_object()) {
        return core::makeError("console.bad_action",
                               "body: expected a JSON object {\"name\", \"role\", \"person\"?}");
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != "name" && it.key() != "role" && it.key() != "person") {
            return core::makeError("console.bad_action", "unknown field '" + it.key() + "'");
        }
    }
    AddInput in;
    if (!body.contains("name") || !body["name"].is_string() ||
        !isValidOperatorName(body["name"].get_ref<const std::string&>())) {
        return core::makeError("console.bad_action", "name: required, 1..64 chars of [a-z0-9_-]");
    }
    in.name = body["name"].get<std::string>();
    std::optional<Role> role;
    if (body.contains("role") && body["role"].is_string()) {
        role = parseRole(body["role"].get_ref<const std::string&>());
    }
    if (!role) {
        return core::makeError("console.bad_action",
                               "role: required, one of operator, facility_admin, "
                               "security_admin, auditor, bcp_coordinator");
    }
    in.role = *role;
    if (body.contains("person")) {
        if (!body["person"].is_string() ||
            (!body["person"].get_ref<const std::string&>().empty() &&
             !protocol::isValidId(body["person"].get_ref<const std::string&>()))) {
            return core::makeError("console.bad_action",
                                   "person: a person id (1..64 chars of [a-z0-9_-])");
        }
        in.person = body["person"].get<std::string>();
    }
    return in;
}

json addAction(const AddInput& in) {
    return {{"name", in.name}, {"role", std::string(roleName(in.role))}, {"person", in.person}};
}

// The actor fields of C1 for an event whose own "role" is the account's: the actor's role
// moves to "actor_role".
json actorOf(const core::ApiCall& call) {
    json fields = core::actorFields(call);
    if (fields.contains("role")) {
        fields["actor_role"] = std::move(fields["role"]);
        fields.erase("role");
    }
    return fields;
}

// Who approved an effect, as the trail names them (the engine adds the approval's id).
core::ApiCall approverCall(const policy::ApprovalRequest& request) {
    core::ApiCall by;
    by.actor = request.decidedBy;
    by.role = Role::securityAdmin;  // the only role operators.* kinds admit as approver
    return by;
}

void answerApproval(const core::ApiReply& reply, core::Result<policy::ApprovalRequest> result) {
    if (!result) {
        reply(failure(result.error()));
        return;
    }
    reply(core::ApiResult{202, json{{"approval", policy::approvalJson(*result)}}});
}

// The bootstrap add: no approval (there is nobody yet to approve), the window re-checked in
// the transaction so two concurrent adds cannot both pass.
void bootstrapAdd(const OperatorServiceParts& parts, const core::ApiCall& call, AddInput in,
                  const core::ApiReply& reply) {
    auto credential = makeOperatorCredential();  // on the console's worker, before the lock
    if (!credential) {
        reply(failure(credential.error()));
        return;
    }
    NewOperator op{in.name,   in.role, credential->passwordHash, parts.clock.nowUs(),
                   in.person, true};
    json extra = actorOf(call);
    extra["bootstrap"] = true;
    core::Change change = addOperatorChange(
        std::move(op), core::actorSource(call), std::move(extra),
        [reply, in, password = std::move(credential->password)](const core::Result<void>& r) {
            if (!r) {
                reply(failure(r.error()));
                return;
            }
            reply(core::ApiResult{201, json{{"name", in.name},
                                            {"role", std::string(roleName(in.role))},
                                            {"person", in.person},
                                            {"password", password},
                                            {"must_change_password", true},
                                            {"bootstrap", true}}});
        });
    auto insert = std::move(change.apply);
    change.apply =
        [insert = std::move(insert)](core::Database& db) -> core::Result<std::vector<core::Event>> {
        auto open = bootstrapWindowOpen(db);
        if (!open) {
            return open.error();
        }
        if (!*open) {
            return core::makeError("console.bootstrap_closed",
                                   "the bootstrap window closed meanwhile; ask again (the add "
                                   "now needs an approval)");
        }
        return insert(db);
    };
    parts.recorder.commit(std::move(change));
}

void postOperator(const OperatorServiceParts& parts, const core::ApiCall& call,
                  const core::ApiReply& reply) {
    auto in = readAdd(call.body);
    if (!in) {
        reply(failure(in.error()));
        return;
    }
    auto reader = openReader(parts.dbPath);
    if (!reader) {
        reply(failure(reader.error()));
        return;
    }
    auto existing = findOperator(**reader, in->name);
    if (!existing) {
        reply(failure(existing.error()));
        return;
    }
    if (*existing) {
        reply(failure(core::makeError("console.operator_exists",
                                      "operator '" + in->name + "' already exists")));
        return;
    }
    if (call.actor == kBootstrapAdmin && in->role == Role::securityAdmin) {
        auto open = bootstrapWindowOpen(**reader);
        if (!open) {
            reply(failure(open.error()));
            return;
        }
        if (*open) {
            bootstrapAdd(parts, call, std::move(*in), reply);
            return;
        }
    }
    const std::string summary = "add operator " + in->name + " as " +
                                std::string(roleName(in->role)) +
                                (in->person.empty() ? "" : " (person " + in->person + ")");
    // The subject: nobody may approve an account for themselves (its person, else its name).
    std::string subject = in->person.empty() ? in->name : in->person;
    parts.approvals.request(
        call, std::string(kOperatorsAddKind), addAction(*in), summary, std::move(subject),
        [reply](core::Result<policy::ApprovalRequest> r) { answerApproval(reply, std::move(r)); });
}

void putRole(const OperatorServiceParts& parts, const core::ApiCall& call,
             const core::ApiReply& reply) {
    const std::string& name = call.params.at("name");
    std::optional<Role> role;
    const bool shaped = call.body.is_object() && call.body.size() == 1 &&
                        call.body.contains("role") && call.body["role"].is_string();
    if (shaped) {
        role = parseRole(call.body["role"].get_ref<const std::string&>());
    }
    if (!role) {
        reply(errorResult(400, core::makeError("console.bad_action",
                                               "body: expected {\"role\": one of operator, "
                                               "facility_admin, security_admin, auditor, "
                                               "bcp_coordinator}")));
        return;
    }
    auto reader = openReader(parts.dbPath);
    if (!reader) {
        reply(failure(reader.error()));
        return;
    }
    auto existing = findOperator(**reader, name);
    if (!existing) {
        reply(failure(existing.error()));
        return;
    }
    if (!*existing) {
        reply(failure(
            core::makeError("console.unknown_operator", "no operator named '" + name + "'")));
        return;
    }
    if ((*existing)->role == *role) {
        reply(failure(core::makeError(
            "console.same_role", name + " already has the role " + std::string(roleName(*role)))));
        return;
    }
    const std::string summary = "change the role of " + name + " from " +
                                std::string(roleName((*existing)->role)) + " to " +
                                std::string(roleName(*role));
    parts.approvals.request(
        call, std::string(kOperatorsChangeRoleKind),
        json{{"name", name}, {"role", std::string(roleName(*role))}}, summary, name,
        [reply](core::Result<policy::ApprovalRequest> r) { answerApproval(reply, std::move(r)); });
}

void postDisable(const OperatorServiceParts& parts, const core::ApiCall& call,
                 const core::ApiReply& reply) {
    const std::string name = call.params.at("name");
    if (name == call.actor) {
        reply(failure(core::makeError("console.disable_self",
                                      "an operator cannot disable their own account")));
        return;
    }
    core::Change change;
    change.apply = [name, call, now = parts.clock.nowUs()](
                       core::Database& db) -> core::Result<std::vector<core::Event>> {
        auto existing = findOperator(db, name);
        if (!existing) {
            return existing.error();
        }
        if (!*existing) {
            return core::makeError("console.unknown_operator", "no operator named '" + name + "'");
        }
        if ((*existing)->disabled) {
            return core::makeError("console.already_disabled", name + " is already disabled");
        }
        if (auto r = setOperatorDisabled(db, name, true); !r) {
            return r.error();
        }
        auto event = operatorChangeEvent(db, "operator.disabled", core::actorSource(call), name,
                                         actorOf(call), now);
        if (!event) {
            return event.error();
        }
        return std::vector<core::Event>{std::move(*event)};
    };
    change.onDone = [reply, name](const core::Result<void>& r) {
        if (!r) {
            reply(failure(r.error()));
            return;
        }
        reply(core::ApiResult{200, json{{"name", name}, {"disabled", true}}});
    };
    parts.recorder.commit(std::move(change));
}

void getOperators(const OperatorServiceParts& parts, const core::ApiCall& call,
                  const core::ApiReply& reply) {
    for (const auto& [key, value] : call.query) {
        reply(core::apiError(400, "unknown query parameter '" + key + "'"));
        return;
    }
    auto reader = openReader(parts.dbPath);
    if (!reader) {
        reply(failure(reader.error()));
        return;
    }
    auto all = listOperators(**reader);
    if (!all) {
        reply(failure(all.error()));
        return;
    }
    json list = json::array();
    for (const auto& op : *all) {
        list.push_back(operatorJson(op));
    }
    reply(core::ApiResult{200, json{{"operators", std::move(list)}}});
}

}  // namespace

policy::ApprovalKind operatorsAddKind(const core::Clock& clock) {
    policy::ApprovalKind kind;
    kind.name = std::string(kOperatorsAddKind);
    kind.requesters = RoleSet{Role::securityAdmin};
    kind.approvers = RoleSet{Role::securityAdmin};
    // The one-time password is made and hashed before the approval's transaction; only the
    // approver sees it, in the approve reply.
    kind.prepare = [](const policy::ApprovalRequest&) -> core::Result<policy::ApprovalPrepared> {
        auto credential = makeOperatorCredential();
        if (!credential) {
            return credential.error();
        }
        return policy::ApprovalPrepared{
            json{{"password_hash", credential->passwordHash}},
            json{{"password", credential->password}, {"must_change_password", true}}};
    };
    kind.apply =
        [&clock](core::Database& db,
                 const policy::ApprovalRequest& request) -> core::Result<std::vector<core::Event>> {
        auto in = readAdd(request.action);
        if (!in) {
            return in.error();
        }
        if (!request.prepared.is_object() || !request.prepared.contains("password_hash") ||
            !request.prepared["password_hash"].is_string()) {
            return core::makeError("console.no_credential",
                                   request.id + ": approved without a prepared credential");
        }
        NewOperator op{
            in->name,      in->role,   request.prepared["password_hash"].get<std::string>(),
            clock.nowUs(), in->person, true};
        if (auto r = insertOperator(db, op); !r) {
            return r.error();
        }
        json payload = actorOf(approverCall(request));
        payload["role"] = std::string(roleName(in->role));
        payload["person"] = in->person;
        payload["must_change_password"] = true;
        auto event = operatorChangeEvent(db, "operator.added", "operator:" + request.decidedBy,
                                         in->name, std::move(payload), clock.nowUs());
        if (!event) {
            return event.error();
        }
        return std::vector<core::Event>{std::move(*event)};
    };
    return kind;
}

policy::ApprovalKind operatorsChangeRoleKind(const core::Clock& clock) {
    policy::ApprovalKind kind;
    kind.name = std::string(kOperatorsChangeRoleKind);
    kind.requesters = RoleSet{Role::securityAdmin};
    kind.approvers = RoleSet{Role::securityAdmin};
    kind.apply =
        [&clock](core::Database& db,
                 const policy::ApprovalRequest& request) -> core::Result<std::vector<core::Event>> {
        const auto& a = request.action;
        if (!a.is_object() || !a.contains("name") || !a["name"].is_string() ||
            !a.contains("role") || !a["role"].is_string() ||
            !parseRole(a["role"].get_ref<const std::string&>())) {
            return core::makeError("console.bad_action", request.id + ": malformed action");
        }
        const std::string name = a["name"].get<std::string>();
        const Role role = *parseRole(a["role"].get_ref<const std::string&>());
        auto existing = findOperator(db, name);
        if (!existing) {
            return existing.error();
        }
        if (!*existing) {
            return core::makeError("console.unknown_operator", "no operator named '" + name + "'");
        }
        const Role previous = (*existing)->role;
        if (auto r = setOperatorRole(db, name, role); !r) {
            return r.error();
        }
        json payload = actorOf(approverCall(request));
        payload["role"] = std::string(roleName(role));
        payload["previous_role"] = std::string(roleName(previous));
        auto event =
            operatorChangeEvent(db, "operator.role_changed", "operator:" + request.decidedBy, name,
                                std::move(payload), clock.nowUs());
        if (!event) {
            return event.error();
        }
        return std::vector<core::Event>{std::move(*event)};
    };
    return kind;
}

OperatorService::OperatorService(OperatorServiceParts parts) : parts_(std::move(parts)) {}

core::Result<void> OperatorService::start() {
    parts_.approvals.registerKind(operatorsAddKind(parts_.clock));
    parts_.approvals.registerKind(operatorsChangeRoleKind(parts_.clock));
    return {};
}

std::vector<core::ApiRoute> OperatorService::routes() {
    using core::HttpMethod;
    using core::RunOn;
    const RoleSet admins{Role::securityAdmin};
    auto route = [this](auto handler) {
        return [parts = &parts_, handler](const core::ApiCall& call, core::ApiReply reply) {
            handler(*parts, call, reply);
        };
    };
    return {
        {HttpMethod::get, "/api/operators", RoleSet{Role::securityAdmin, Role::auditor},
         RunOn::worker, route(getOperators)},
        {HttpMethod::post, "/api/operators", admins, RunOn::worker, route(postOperator)},
        {HttpMethod::put, "/api/operators/{name}/role", admins, RunOn::worker, route(putRole)},
        {HttpMethod::post, "/api/operators/{name}/disable", admins, RunOn::worker,
         route(postDisable)},
    };
}

}  // namespace sekimori::console
