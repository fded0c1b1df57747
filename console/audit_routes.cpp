#include "console/audit_routes.hpp"

#include "console/audit_status.hpp"
#include "console/console_queries.hpp"
#include "console/event_csv.hpp"
#include "console/event_search.hpp"
#include "console/http_helpers.hpp"
#include "console/request_actor.hpp"
#include "core/api_actor.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;

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

std::variant<EventFilter, ApiResponse> filterOf(const ApiRequest& req, bool paged) {
    auto filter = parseEventFilter(req.query, paged);
    if (auto* bad = std::get_if<FilterError>(&filter)) {
        return jsonError(http::status::bad_request, bad->code, bad->message);
    }
    return std::get<EventFilter>(std::move(filter));
}

core::Event actorEvent(const ConsoleContext& ctx, const ApiRequest& req, std::string type,
                       json fields) {
    const core::ApiCall call = callOf(req);
    json payload = core::actorFields(call);
    payload.update(fields);
    core::Event e;
    e.timeUs = ctx.clock.nowUs();
    e.type = std::move(type);
    e.source = core::actorSource(call);
    e.subject = call.actor;
    e.payload = payload.dump();
    return e;
}

void getEvents(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req, Reply reply) {
    auto filter = filterOf(req, true);
    if (auto* bad = std::get_if<ApiResponse>(&filter)) {
        reply(std::move(*bad));
        return;
    }
    auto prefixes = context->visibility.prefixesFor(req.session->role);
    context->db.run(
        [filter = std::get<EventFilter>(std::move(filter)),
         prefixes = std::move(prefixes)](core::Database& db) -> core::Result<ApiResponse> {
            auto page = searchEvents(db, filter, prefixes);
            if (!page) {
                return page.error();
            }
            ApiResponse r;
            r.body = {{"events", std::move(page->events)}};
            r.body[filter.oldestFirst() ? "next_after_seq" : "next_before_seq"] =
                page->next ? json(*page->next) : json(nullptr);
            return r;
        },
        [reply = std::move(reply)](core::Result<ApiResponse> page) {
            reply(page ? std::move(*page) : internalError(page.error()));
        });
}

// The rows of one export, page by page on the pool, over a read connection of its own (the
// console's DbWorker connection stays free for everyone else meanwhile).
class ExportCursor {
  public:
    ExportCursor(std::string dbPath, EventFilter filter, std::vector<std::string> prefixes,
                 int utcOffsetMinutes)
        : dbPath_(std::move(dbPath)),
          filter_(std::move(filter)),
          prefixes_(std::move(prefixes)),
          utcOffsetMinutes_(utcOffsetMinutes) {
        filter_.limit = kMaxEventPage;
    }

    core::Result<std::string> next() {
        if (!db_) {
            auto db = core::Database::open(dbPath_, core::Database::Mode::readOnly);
            if (!db) {
                return db.error();
            }
            db_ = std::move(*db);
            return eventCsvHeader();
        }
        if (done_) {
            return std::string();
        }
        filter_.limit =
            static_cast<int>(std::min<std::size_t>(kMaxEventPage, kMaxExportRows - rows_));
        auto page = searchEvents(*db_, filter_, prefixes_);
        if (!page) {
            return page.error();
        }
        std::string chunk;
        for (const auto& event : page->events) {
            chunk.append(eventCsvRow(event, utcOffsetMinutes_));
        }
        rows_ += page->events.size();
        done_ = !page->next || rows_ >= kMaxExportRows;
        if (page->next) {
            (filter_.oldestFirst() ? filter_.afterSeq : filter_.beforeSeq) = *page->next;
        }
        return chunk;
    }

  private:
    std::string dbPath_;
    EventFilter filter_;
    std::vector<std::string> prefixes_;
    int utcOffsetMinutes_ = 0;
    std::unique_ptr<core::Database> db_;
    std::size_t rows_ = 0;
    bool done_ = false;
};

// Recorded (durably) before the first byte leaves: whoever takes the trail away is in it.
void getEventsCsv(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req,
                  Reply reply) {
    auto parsed = filterOf(req, false);
    if (auto* bad = std::get_if<ApiResponse>(&parsed)) {
        reply(std::move(*bad));
        return;
    }
    auto filter = std::get<EventFilter>(std::move(parsed));
    core::Change change;
    change.events.push_back(
        actorEvent(*context, req, "console.events_exported", {{"filter", filter.toJson()}}));
    auto cursor = std::make_shared<ExportCursor>(context->settings.dbPath, std::move(filter),
                                                 context->visibility.prefixesFor(req.session->role),
                                                 context->settings.site.utcOffsetMinutes);
    const std::string fileName = "events-" + context->settings.site.id + ".csv";
    change.onDone = [cursor, fileName, reply = std::move(reply)](const core::Result<void>& done) {
        if (!done) {
            reply(internalError(done.error()));
            return;
        }
        ApiResponse r;
        r.stream = core::StreamBody{"text/csv; charset=utf-8", fileName,
                                    [cursor] { return cursor->next(); }};
        reply(std::move(r));
    };
    context->recorder.commit(std::move(change));
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

void getAuditStatus(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req,
                    Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    struct Status {
        json body;
        std::optional<json> lastVerify;  // read from the trail when not known yet
    };
    context->db.run(
        [witnesses = context->settings.witnesses, now = context->clock.nowUs(),
         known = context->lastVerify.has_value()](core::Database& db) -> core::Result<Status> {
            auto body = auditStatus(db, witnesses, now);
            if (!body) {
                return body.error();
            }
            Status status{std::move(*body), std::nullopt};
            if (!known) {
                auto last = lastVerifyEvent(db);
                if (!last) {
                    return last.error();
                }
                status.lastVerify = std::move(*last);
            }
            return status;
        },
        [weak = std::weak_ptr(context), reply = std::move(reply)](core::Result<Status> status) {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            if (!status) {
                reply(internalError(status.error()));
                return;
            }
            if (!ctx->lastVerify && status->lastVerify) {
                ctx->lastVerify = std::move(status->lastVerify);
            }
            ApiResponse r;
            r.body = std::move(status->body);
            r.body["last_verify"] = ctx->lastVerify.value_or(json(nullptr));
            reply(std::move(r));
        });
}

// Runs the verifier on the pool (it reads the whole trail), one at a time; records
// audit.verified and answers once that is durable.
void postAuditVerify(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req,
                     Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    if (!req.body.empty()) {
        auto body = json::parse(req.body, nullptr, false);
        if (!body.is_object() || !body.empty()) {
            reply(jsonError(http::status::bad_request, "bad_json", "body: expected {} or none"));
            return;
        }
    }
    if (context->verifyRunning) {
        reply(jsonError(http::status::conflict, "verify_running",
                        "a verification is already running"));
        return;
    }
    context->verifyRunning = true;
    core::AuditVerifyOptions options = context->settings.auditVerify;
    if (options.dbPath.empty()) {
        options.dbPath = context->settings.dbPath;
    }
    options.nowUs = context->clock.nowUs();
    runOffIo(
        context->pool, context->io, [options] { return runAuditVerify(options); },
        [weak = std::weak_ptr(context), req, reply = std::move(reply)](VerifyOutcome outcome) {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            json summary = {{"ok", outcome.ok},
                            {"size", outcome.size},
                            {"problems", outcome.problems},
                            {"problem_count", outcome.problemCount}};
            core::Change change;
            change.events.push_back(actorEvent(*ctx, req, "audit.verified", summary));
            const core::TimeUs timeUs = change.events.back().timeUs;
            change.onDone = [weak = std::weak_ptr(ctx), summary, timeUs, actor = req.session->name,
                             reply](const core::Result<void>& done) {
                auto live = weak.lock();
                if (!live) {
                    return;
                }
                live->verifyRunning = false;
                if (!done) {
                    reply(internalError(done.error()));
                    return;
                }
                live->lastVerify = json{{"time_us", timeUs},
                                        {"actor", actor},
                                        {"ok", summary["ok"]},
                                        {"size", summary["size"]},
                                        {"problems", summary["problems"]}};
                ApiResponse r;
                r.body = summary;
                r.body["time_us"] = timeUs;
                reply(std::move(r));
            };
            ctx->recorder.commit(std::move(change));
        });
}

}  // namespace

core::Result<void> addAuditRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context) {
    using V = http::verb;
    const struct {
        V method;
        const char* pattern;
        RoleSet roles;
        void (*handler)(const std::shared_ptr<ConsoleContext>&, const ApiRequest&, Reply);
    } routes[] = {
        {V::get, "/api/events", kEventReaders, getEvents},
        {V::get, "/api/events.csv", kEventExporters, getEventsCsv},
        {V::get, "/api/audit/checkpoints", kAuditReaders, getCheckpoints},
        {V::get, "/api/audit/status", kAuditReaders, getAuditStatus},
        {V::post, "/api/audit/verify", kAuditReaders, postAuditVerify},
    };
    for (const auto& route : routes) {
        if (auto r =
                router.add(route.method, route.pattern, RouteAccess::only(route.roles),
                           [context, handler = route.handler](const ApiRequest& req, Reply reply) {
                               handler(context, req, std::move(reply));
                           });
            !r) {
            return r;
        }
    }
    return {};
}

}  // namespace sekimori::console
