// The approvals API (docs/approvals.md, docs/openapi.yaml): the list on a worker with its own
// read-only connection, approve and reject through the engine. Which role may call a route is
// written where it is registered; which role may decide a given request is the kind's rule,
// checked by the engine inside the transaction.
#include <memory>

#include "core/log.hpp"
#include "policy/approval_engine.hpp"
#include "policy/approval_store.hpp"

namespace sekimori::policy {
namespace {

// Who may open the list: those who decide, and the auditor, who reads everything.
const core::RoleSet kListRoles{core::Role::securityAdmin, core::Role::facilityAdmin,
                               core::Role::auditor, core::Role::bcpCoordinator};
// Who may reach approve and reject at all; the kind decides further (403 approval.role).
const core::RoleSet kDecideRoles{core::Role::securityAdmin, core::Role::facilityAdmin,
                                 core::Role::bcpCoordinator};
constexpr std::size_t kDefaultLimit = 200;
constexpr std::size_t kMaxLimit = 1000;

core::ApiResult errorResult(const core::Error& error) {
    return core::ApiResult{approvalErrorStatus(error),
                           nlohmann::json{{"error", error.message}, {"code", error.code}}};
}

std::string queryValue(const core::ApiCall& call, const std::string& name) {
    auto it = call.query.find(name);
    return it == call.query.end() ? std::string() : it->second;
}

bool isState(const std::string& s) {
    return s.empty() || s == "pending" || s == "approved" || s == "rejected" || s == "expired";
}

void answerStep(const core::ApiReply& reply, core::Result<ApprovalRequest> result) {
    if (!result) {
        reply(errorResult(result.error()));
        return;
    }
    nlohmann::json body{{"approval", approvalJson(*result)}};
    if (!result->reply.is_null()) {
        body["result"] = result->reply;
    }
    reply(core::ApiResult{200, std::move(body)});
}

}  // namespace

std::vector<core::ApiRoute> ApprovalEngine::routes(std::string dbPath, int utcOffsetMinutes) {
    {
        std::lock_guard lock(mutex_);
        if (readerPath_.empty()) {
            readerPath_ = dbPath;
        }
    }
    std::vector<core::ApiRoute> out;

    core::ApiRoute list;
    list.method = core::HttpMethod::get;
    list.pattern = "/api/approvals";
    list.roles = kListRoles;
    list.runOn = core::RunOn::worker;
    list.handler = [this, dbPath, utcOffsetMinutes](const core::ApiCall& call,
                                                    const core::ApiReply& reply) {
        const std::string state = queryValue(call, "state");
        const std::string kindName = queryValue(call, "kind");
        const std::string limitText = queryValue(call, "limit");
        if (!isState(state)) {
            reply(core::apiError(400, "state: must be pending, approved, rejected or expired"));
            return;
        }
        if (kindName.size() > 100) {
            reply(core::apiError(400, "kind: at most 100 characters"));
            return;
        }
        std::size_t limit = kDefaultLimit;
        if (!limitText.empty()) {
            std::size_t parsed = 0;
            try {
                parsed = std::stoul(limitText);
            } catch (const std::exception&) {
                parsed = 0;
            }
            if (parsed == 0 || parsed > kMaxLimit ||
                limitText.find_first_not_of("0123456789") != std::string::npos) {
                reply(core::apiError(400, "limit: must be 1 to " + std::to_string(kMaxLimit)));
                return;
            }
            limit = parsed;
        }
        auto db = core::Database::open(dbPath, core::Database::Mode::readOnly);
        if (!db) {
            reply(core::apiError(500, db.error().message));
            return;
        }
        auto rows = listApprovals(**db, state, kindName, limit);
        if (!rows) {
            reply(core::apiError(500, rows.error().message));
            return;
        }
        nlohmann::json items = nlohmann::json::array();
        for (const auto& row : *rows) {
            nlohmann::json item = approvalJson(row);
            // Which buttons the page offers this operator; the engine checks again.
            auto refused = approvalRefusal(call, row);
            item["may_approve"] = !refused.has_value();
            item["refusal"] = refused ? refused->message : "";
            item["refusal_code"] = refused ? refused->code : "";  // the page's error.<code>
            // The requester may withdraw what they asked for while it is open.
            const bool open = row.state == "pending" && clock_.nowUs() < row.expiresUs;
            const bool own = call.actor == row.requester ||
                             (!call.actorPerson.empty() && call.actorPerson == row.requesterPerson);
            item["may_reject"] = !refused.has_value() || (open && own);
            items.push_back(std::move(item));
        }
        reply(core::ApiResult{200,
                              {{"approvals", std::move(items)},
                               {"utc_offset_minutes", utcOffsetMinutes},
                               {"now_us", clock_.nowUs()}}});
    };
    out.push_back(std::move(list));

    core::ApiRoute approveRoute;
    approveRoute.method = core::HttpMethod::post;
    approveRoute.pattern = "/api/approvals/{id}/approve";
    approveRoute.roles = kDecideRoles;
    approveRoute.runOn = core::RunOn::worker;  // a kind's prepare may hash a password
    approveRoute.handler = [this](const core::ApiCall& call, const core::ApiReply& reply) {
        const std::string id = call.params.at("id");
        if (!approvalNumber(id)) {
            reply(core::apiError(404, "no approval request " + id));
            return;
        }
        approve(call, id,
                [reply](core::Result<ApprovalRequest> result) { answerStep(reply, result); });
    };
    out.push_back(std::move(approveRoute));

    core::ApiRoute rejectRoute;
    rejectRoute.method = core::HttpMethod::post;
    rejectRoute.pattern = "/api/approvals/{id}/reject";
    rejectRoute.roles = kDecideRoles;
    rejectRoute.runOn = core::RunOn::io;  // validates and enqueues only
    rejectRoute.handler = [this](const core::ApiCall& call, const core::ApiReply& reply) {
        const std::string id = call.params.at("id");
        if (!approvalNumber(id)) {
            reply(core::apiError(404, "no approval request " + id));
            return;
        }
        if (!call.body.is_object() || !call.body.contains("reason") ||
            !call.body["reason"].is_string()) {
            reply(core::apiError(400, "reason: a string is required"));
            return;
        }
        reject(call, id, call.body["reason"].get<std::string>(),
               [reply](core::Result<ApprovalRequest> result) { answerStep(reply, result); });
    };
    out.push_back(std::move(rejectRoute));
    return out;
}

}  // namespace sekimori::policy
