#include "console/audit_routes.hpp"

#include "console/console_queries.hpp"
#include "console/http_helpers.hpp"

namespace sekimori::console {
namespace {

// Answers `key: rows` from a query run on the database strand.
template <class Query>
void answerRows(const std::shared_ptr<ConsoleContext>& context, std::string key, Query query,
                Reply reply) {
    context->db.run(std::move(query), [key = std::move(key), reply = std::move(reply)](
                                          core::Result<nlohmann::json> rows) {
        if (!rows) {
            reply(internalError(rows.error()));
            return;
        }
        ApiResponse r;
        r.body = {{key, std::move(*rows)}};
        reply(std::move(r));
    });
}

void getEvents(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {"limit"})) {
        reply(std::move(*bad));
        return;
    }
    auto limit = parseLimit(req);
    if (auto* bad = std::get_if<ApiResponse>(&limit)) {
        reply(std::move(*bad));
        return;
    }
    auto prefixes = context->visibility.prefixesFor(req.session->role);
    answerRows(
        context, "events",
        [n = std::get<int>(limit), prefixes = std::move(prefixes)](core::Database& db) {
            return recentEvents(db, n, prefixes);
        },
        std::move(reply));
}

void getCheckpoints(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req,
                    Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {"limit"})) {
        reply(std::move(*bad));
        return;
    }
    auto limit = parseLimit(req);
    if (auto* bad = std::get_if<ApiResponse>(&limit)) {
        reply(std::move(*bad));
        return;
    }
    answerRows(
        context, "checkpoints",
        [n = std::get<int>(limit)](core::Database& db) { return auditCheckpoints(db, n); },
        std::move(reply));
}

}  // namespace

core::Result<void> addAuditRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context) {
    using V = http::verb;
    if (auto r = router.add(V::get, "/api/events", RouteAccess::only(kEventReaders),
                            [context](const ApiRequest& req, Reply reply) {
                                getEvents(context, req, std::move(reply));
                            });
        !r) {
        return r;
    }
    return router.add(V::get, "/api/audit/checkpoints", RouteAccess::only(kAuditReaders),
                      [context](const ApiRequest& req, Reply reply) {
                          getCheckpoints(context, req, std::move(reply));
                      });
}

}  // namespace sekimori::console
