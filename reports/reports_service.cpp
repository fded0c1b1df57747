#include "reports/reports_service.hpp"

#include <deque>
#include <mutex>

#include "core/api_actor.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/report_signer.hpp"
#include "core/report_time.hpp"
#include "reports/compliance.hpp"
#include "reports/report_builders.hpp"
#include "reports/reports_event_types.hpp"

namespace sekimori::reports {
namespace {

using nlohmann::json;

constexpr core::TimeUs kDay = 86'400'000'000;
constexpr core::TimeUs kDefaultSpan = 30 * kDay;            // a trail report, when no from
constexpr core::TimeUs kDefaultComplianceSpan = 90 * kDay;  // the footage retention period
constexpr std::size_t kDefaultLimit = 10'000;
constexpr std::size_t kMaxLimit = 100'000;
constexpr std::size_t kKeptHtml = 16;  // signed pages kept for GET .../compliance.html.sig

struct RangeQuery {
    ReportRange range;
    std::size_t limit = kDefaultLimit;
};

// from, to and limit of the query string; any other parameter is an error naming it.
std::variant<RangeQuery, core::ApiResult> parseRange(const core::ApiCall& call, core::TimeUs nowUs,
                                                     core::TimeUs defaultSpan, int offset,
                                                     bool limited) {
    RangeQuery q;
    q.range.toUs = nowUs + 1;
    std::optional<core::TimeUs> from;
    for (const auto& [key, value] : call.query) {
        if (key == "from" || key == "to") {
            auto t = core::parseReportTime(value, offset);
            if (!t) {
                return core::apiError(400, key +
                                               ": a time as 2026-12-01, 2026-12-01T09:30, "
                                               "2026-12-01T09:30:00+09:00 or microseconds");
            }
            if (key == "from") {
                from = *t;
            } else {
                q.range.toUs = *t;
            }
        } else if (key == "limit" && limited) {
            std::size_t n = 0;
            try {
                n = value.find_first_not_of("0123456789") == std::string::npos ? std::stoul(value)
                                                                               : 0;
            } catch (const std::exception&) {
                n = 0;
            }
            if (n == 0 || n > kMaxLimit) {
                return core::apiError(400, "limit: 1 to " + std::to_string(kMaxLimit));
            }
            q.limit = n;
        } else {
            return core::apiError(400, key + ": unknown parameter (from, to" +
                                           std::string(limited ? ", limit" : "") + ")");
        }
    }
    q.range.fromUs = from ? *from : q.range.toUs - defaultSpan;
    if (q.range.fromUs >= q.range.toUs) {
        return core::apiError(400, "from: must be before to");
    }
    return q;
}

core::StreamBody oneChunk(std::string contentType, std::string fileName, std::string bytes,
                          bool selfContainedDocument = false) {
    return core::oneChunkBody(std::move(contentType), std::move(fileName), std::move(bytes),
                              selfContainedDocument);
}

}  // namespace

struct ReportsService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(ReportsServiceParts p) : parts(std::move(p)) {}

    struct SignedPage {
        std::string sha256;
        std::string html;
        std::string signature;
    };

    std::shared_ptr<const core::ReportSigner> currentSigner() {
        std::lock_guard lock(mutex);
        return signer;
    }

    // Records who ran what, then answers: the report leaves only once its record is durable.
    void recordThenReply(const core::ApiCall& call, json payload, core::ApiAnswer answer,
                         const core::ApiReply& reply) {
        json fields = core::actorFields(call);
        for (auto& [k, v] : fields.items()) {
            payload[k] = v;
        }
        core::Event event;
        event.timeUs = parts.clock.nowUs();
        event.type = std::string(kReportGenerated.name);
        event.source = core::actorSource(call);
        event.subject = call.actor;
        event.payload = payload.dump();
        core::Change change;
        change.events.push_back(std::move(event));
        auto shared = std::make_shared<core::ApiAnswer>(std::move(answer));
        change.onDone = [reply, shared](const core::Result<void>& done) {
            if (!done) {
                reply(core::apiError(503,
                                     "the report could not be recorded: " + done.error().message));
                return;
            }
            reply(std::move(*shared));
        };
        parts.recorder.commit(std::move(change));
    }

    core::Result<std::unique_ptr<core::Database>> openDb() {
        return core::Database::open(parts.dbPath, core::Database::Mode::readOnly);
    }

    void listKinds(const core::ApiCall&, const core::ApiReply& reply) {
        json kinds = json::array();
        for (const auto& k : reportKinds()) {
            kinds.push_back(std::string(k.name));
        }
        kinds.push_back("compliance");
        auto s = currentSigner();
        reply(core::ApiResult{200,
                              {{"kinds", kinds},
                               {"utc_offset_minutes", parts.utcOffsetMinutes},
                               {"zone", core::zoneName(parts.utcOffsetMinutes)},
                               {"signing_key_sha256", s ? s->fingerprint() : ""},
                               {"public_key_pem", s ? s->publicKeyPem() : ""}}});
    }

    void runKind(const core::ApiCall& call, const core::ApiReply& reply) {
        const auto kindIt = call.params.find("kind");
        const ReportKind* kind =
            kindIt == call.params.end() ? nullptr : findReportKind(kindIt->second);
        if (kind == nullptr) {
            reply(core::apiError(404,
                                 "no such report (access, suspicious, privileges, operators, "
                                 "exports, compliance)"));
            return;
        }
        auto parsed =
            parseRange(call, parts.clock.nowUs(), kDefaultSpan, parts.utcOffsetMinutes, true);
        if (auto* bad = std::get_if<core::ApiResult>(&parsed)) {
            reply(std::move(*bad));
            return;
        }
        const RangeQuery q = std::get<RangeQuery>(parsed);
        auto db = openDb();
        if (!db) {
            reply(core::apiError(500, db.error().message));
            return;
        }
        TrailQuery tq;
        tq.fromUs = q.range.fromUs;
        tq.toUs = q.range.toUs;
        tq.types = kind->types;
        tq.sourcePrefix = std::string(kind->sourcePrefix);
        tq.limit = q.limit;
        auto slice = readTrail(**db, tq);
        if (!slice) {
            reply(core::apiError(500, slice.error().message));
            return;
        }
        BuildContext context{q.range, parts.config.suspicion, parts.utcOffsetMinutes};
        json body = kind->build(slice->events, context);
        body["kind"] = std::string(kind->name);
        body["from_us"] = q.range.fromUs;
        body["to_us"] = q.range.toUs;
        body["generated_us"] = parts.clock.nowUs();
        body["utc_offset_minutes"] = parts.utcOffsetMinutes;
        body["zone"] = core::zoneName(parts.utcOffsetMinutes);
        body["truncated"] = slice->truncated;
        json record{{"kind", kind->name},
                    {"from_us", q.range.fromUs},
                    {"to_us", q.range.toUs},
                    {"rows", body["rows"].size()},
                    {"truncated", slice->truncated}};
        recordThenReply(call, std::move(record), core::ApiResult{200, std::move(body)}, reply);
    }

    // The summary, its HTML and the signature over the HTML's bytes.
    core::Result<std::pair<json, SignedPage>> makeCompliance(ReportRange range) {
        auto s = currentSigner();
        if (!s) {
            return core::makeError("reports.no_key", "the report-signing key is not loaded");
        }
        auto db = openDb();
        if (!db) {
            return db.error();
        }
        ComplianceInputs in;
        TrailQuery tq;
        tq.fromUs = range.fromUs;
        tq.toUs = range.toUs;
        tq.types = compliancePeriodTypes();
        tq.limit = kMaxLimit;
        auto slice = readTrail(**db, tq);
        if (!slice) {
            return slice.error();
        }
        in.period = std::move(slice->events);
        auto newest = [&](const char* type, std::optional<TrailEvent>& out) -> core::Result<void> {
            auto e = newestOf(**db, {type});
            if (!e) {
                return e.error();
            }
            out = std::move(*e);
            return {};
        };
        for (auto [type, out] : {std::pair{"daemon.started", &in.daemonStarted},
                                 std::pair{"audit.verified", &in.lastVerify},
                                 std::pair{"audit.cosigned", &in.lastCosign},
                                 std::pair{"audit.witness_refused", &in.lastRefusal}}) {
            if (auto r = newest(type, *out); !r) {
                return r.error();
            }
        }
        auto size = trailSize(**db);
        if (!size) {
            return size.error();
        }
        in.trailSize = *size;
        json summary =
            buildCompliance(in, parts.config, range, parts.clock.nowUs(), parts.utcOffsetMinutes);
        summary["signing_key_sha256"] = s->fingerprint();
        SignedPage page;
        page.html = renderComplianceHtml(summary, s->fingerprint());
        page.sha256 = core::toHex(core::sha256(page.html));
        auto sig = s->sign(page.html);
        if (!sig) {
            return sig.error();
        }
        page.signature = std::move(*sig);
        {
            std::lock_guard lock(mutex);
            kept.push_back(page);
            while (kept.size() > kKeptHtml) {
                kept.pop_front();
            }
        }
        return std::pair{std::move(summary), std::move(page)};
    }

    void compliance(const core::ApiCall& call, const core::ApiReply& reply, bool html) {
        auto parsed = parseRange(call, parts.clock.nowUs(), kDefaultComplianceSpan,
                                 parts.utcOffsetMinutes, false);
        if (auto* bad = std::get_if<core::ApiResult>(&parsed)) {
            reply(std::move(*bad));
            return;
        }
        const RangeQuery q = std::get<RangeQuery>(parsed);
        auto made = makeCompliance(q.range);
        if (!made) {
            reply(core::apiError(500, made.error().message));
            return;
        }
        auto& [summary, page] = *made;
        json record{{"kind", "compliance"},
                    {"from_us", q.range.fromUs},
                    {"to_us", q.range.toUs},
                    {"rows", summary["rows"].size()},
                    {"sha256", page.sha256}};
        if (html) {
            recordThenReply(call, std::move(record),
                            oneChunk("text/html; charset=utf-8", "", page.html, true), reply);
            return;
        }
        auto s = currentSigner();
        json body{{"summary", summary},
                  {"html", page.html},
                  {"html_sha256", page.sha256},
                  {"signature", core::toBase64(page.signature)},
                  {"signature_route", "/api/reports/compliance.html.sig?sha256=" + page.sha256},
                  {"public_key_pem", s->publicKeyPem()},
                  {"signing_key_sha256", s->fingerprint()}};
        recordThenReply(call, std::move(record), core::ApiResult{200, std::move(body)}, reply);
    }

    void signature(const core::ApiCall& call, const core::ApiReply& reply) {
        std::string wanted;
        for (const auto& [key, value] : call.query) {
            if (key != "sha256") {
                reply(core::apiError(400, key + ": unknown parameter (sha256)"));
                return;
            }
            wanted = value;
        }
        std::lock_guard lock(mutex);
        for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
            if (wanted.empty() || it->sha256 == wanted) {
                reply(oneChunk("application/octet-stream", "compliance.html.sig", it->signature));
                return;
            }
        }
        reply(core::apiError(404, wanted.empty() ? "no compliance summary made since the start"
                                                 : "sha256: no summary kept with that digest"));
    }

    void publicKey(const core::ApiCall&, const core::ApiReply& reply) {
        auto s = currentSigner();
        if (!s) {
            reply(core::apiError(503, "the report-signing key is not loaded"));
            return;
        }
        reply(oneChunk("application/x-pem-file", "report-signing.pub.pem", s->publicKeyPem()));
    }

    ReportsServiceParts parts;
    std::mutex mutex;
    std::shared_ptr<const core::ReportSigner> signer;
    std::deque<SignedPage> kept;
    bool running = false;
};

ReportsService::ReportsService(ReportsServiceParts parts)
    : impl_(std::make_shared<Impl>(std::move(parts))) {}

ReportsService::~ReportsService() {
    stop();
}

core::Result<void> ReportsService::start() {
    if (impl_->running) {
        return {};
    }
    bool created = false;
    auto signer = core::ReportSigner::loadOrCreate(impl_->parts.signingKeyPath, &created);
    if (!signer) {
        return signer.error();
    }
    auto shared = std::make_shared<const core::ReportSigner>(std::move(*signer));
    if (created) {
        core::Event event;
        event.timeUs = impl_->parts.clock.nowUs();
        event.type = std::string(kReportSigningKeyCreated.name);
        event.source = "reports";
        event.payload = json{
            {"path", impl_->parts.signingKeyPath},
            {"public_key_sha256", shared->fingerprint()},
            {"algorithm",
             "Ed25519"}}.dump();
        impl_->parts.recorder.record(std::move(event));
    }
    {
        std::lock_guard lock(impl_->mutex);
        impl_->signer = std::move(shared);
    }
    impl_->running = true;
    return {};
}

void ReportsService::stop() {
    impl_->running = false;
}

std::vector<core::ApiRoute> ReportsService::routes() {
    std::vector<core::ApiRoute> out;
    auto add = [&](std::string pattern, auto member) {
        core::ApiRoute route;
        route.method = core::HttpMethod::get;
        route.pattern = std::move(pattern);
        route.roles = kReportRoles;
        route.runOn = core::RunOn::worker;  // reads the trail
        route.handler = [weak = std::weak_ptr(impl_), member](const core::ApiCall& call,
                                                              const core::ApiReply& reply) {
            auto self = weak.lock();
            if (!self) {
                reply(core::apiError(503, "reports stopped"));
                return;
            }
            member(*self, call, reply);
        };
        out.push_back(std::move(route));
    };
    add("/api/reports",
        [](Impl& i, const core::ApiCall& c, const core::ApiReply& r) { i.listKinds(c, r); });
    add("/api/reports/signing-key.pem",
        [](Impl& i, const core::ApiCall& c, const core::ApiReply& r) { i.publicKey(c, r); });
    add("/api/reports/compliance", [](Impl& i, const core::ApiCall& c, const core::ApiReply& r) {
        i.compliance(c, r, false);
    });
    add("/api/reports/compliance.html",
        [](Impl& i, const core::ApiCall& c, const core::ApiReply& r) { i.compliance(c, r, true); });
    add("/api/reports/compliance.html.sig",
        [](Impl& i, const core::ApiCall& c, const core::ApiReply& r) { i.signature(c, r); });
    add("/api/reports/{kind}",
        [](Impl& i, const core::ApiCall& c, const core::ApiReply& r) { i.runKind(c, r); });
    return out;
}

std::vector<core::EventVisibility> ReportsService::eventVisibility() {
    return {core::EventVisibility{"report.", kReportRoles}};
}

std::optional<core::UiPlugin> ReportsService::uiPlugin() {
    return core::UiPlugin{"reports", impl_->parts.webDir, "index.js", kReportRoles};
}

}  // namespace sekimori::reports
