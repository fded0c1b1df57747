#include "drills/drills_service.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/api_actor.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/report_signer.hpp"
#include "core/sqlite_db.hpp"
#include "core/telemetry_store.hpp"
#include "drills/drill_event_types.hpp"
#include "drills/drill_report.hpp"
#include "drills/drill_request.hpp"
#include "drills/drill_runs.hpp"
#include "drills/plant_sim_link.hpp"

namespace sekimori::drills {

namespace {

using core::ApiCall;
using core::ApiReply;
using core::ApiResult;
using core::HttpMethod;
using json = nlohmann::json;

constexpr std::string_view kComponent = "drills";
constexpr std::chrono::milliseconds kSimulatorTimeout{5000};
// Samples read per series for a report: a raw sample every second or two for the longest hold.
constexpr std::size_t kMaxSamples = 100'000;

ApiResult drillError(int status, std::string_view code, std::string message) {
    return ApiResult{status, json{{"error", std::move(message)}, {"code", std::string(code)}}};
}

int statusOf(const core::Error& e) {
    return e.code == "drills.bad_request" ? 400 : 409;
}

core::Event drillEvent(core::TimeUs now, core::EventType type, const std::string& run,
                       std::string subject, json payload) {
    payload["run"] = run;
    return core::Event{now, std::string(type.name), "drill:" + run, std::move(subject),
                       payload.dump()};
}

// Writes `bytes` to `path` whole or not at all: a temporary file, fsync, rename.
core::Result<void> writeWhole(const std::filesystem::path& path, const std::string& bytes) {
    const std::string tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        return core::makeError("drills.report_write", tmp + ": " + std::strerror(errno));
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return core::makeError("drills.report_write", tmp + ": " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        ::unlink(tmp.c_str());
        return core::makeError("drills.report_write", tmp + ": fsync: " + why);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        return core::makeError("drills.report_write", path.string() + ": " + why);
    }
    return {};
}

std::optional<std::string> readWhole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The series of the site's [drills] points, read from whichever trend store holds each.
std::vector<ReportSeries> readSeries(const DrillsConfig& config,
                                     const std::vector<std::string>& stores, core::TimeUs fromUs,
                                     core::TimeUs toUs, std::vector<std::string>& problems) {
    const std::pair<std::string_view, const SeriesSource*> wanted[] = {
        {kSeriesUpsCharge, &config.upsCharge},
        {kSeriesVoltage, &config.loadVoltage},
        {kSeriesFrequency, &config.loadFrequency},
        {kSeriesFuel, &config.fuelLitres},
        {kSeriesRoomTemp, &config.roomTemp}};
    std::vector<std::unique_ptr<core::Database>> readers;
    for (const auto& path : stores) {
        if (!std::filesystem::exists(path)) {
            continue;
        }
        auto db = core::Database::open(path, core::Database::Mode::readOnly);
        if (!db) {
            problems.push_back(path + ": " + db.error().message);
            continue;
        }
        readers.push_back(std::move(*db));
    }
    std::vector<ReportSeries> out;
    for (const auto& [name, source] : wanted) {
        if (source->point.empty()) {
            continue;
        }
        ReportSeries series{std::string(name), source->point, "", {}};
        for (auto& reader : readers) {
            core::TelemetryQuery q;
            q.point = source->point;
            q.fromUs = fromUs;
            q.toUs = toUs + 1;
            q.limit = kMaxSamples;
            auto read = core::queryTelemetry(*reader, q, core::TelemetryResolution::raw);
            if (!read) {
                continue;  // not this store's point
            }
            series.unit = name == kSeriesFuel ? "L" : read->unit;
            for (const auto& b : read->buckets) {
                series.samples.push_back(Sample{b.timeUs, b.avg * source->scale + source->offset});
            }
            break;
        }
        out.push_back(std::move(series));
    }
    return out;
}

}  // namespace

struct DrillsService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(DrillsServiceParts p) : parts(std::move(p)) {}

    DrillsServiceParts parts;
    bool running = false;
    DrillRuns runs;  // io thread
    std::vector<core::EventBus::Token> tokens;
    std::shared_ptr<const core::ReportSigner> signer;  // set in start(), then only read
    boost::asio::thread_pool worker{1};  // the simulator's line, the stores, the report

    // The drill this daemon plays now (io thread).
    struct Active {
        std::string id;
        ScenarioSpec spec;
        core::TimeUs startUs = 0;
        std::vector<std::unique_ptr<boost::asio::steady_timer>> timers;
        bool measuring = false;
    };
    std::optional<Active> active;

    // run -> the report's recorded digest, for the report routes on console workers.
    std::mutex digestMutex;
    std::map<std::string, std::string, std::less<>> digests;

    // Runs `work` on the drills worker, then `done` with its result on the io thread, unless
    // the service stopped meanwhile.
    template <class Work, class Done>
    void offload(Work work, Done done) {
        std::weak_ptr<Impl> weak = weak_from_this();
        boost::asio::post(worker, [weak, work = std::move(work), done = std::move(done)]() mutable {
            auto result = work();
            auto strong = weak.lock();
            if (!strong) {
                return;
            }
            boost::asio::post(strong->parts.executor,
                              [weak, result = std::move(result), done = std::move(done)]() mutable {
                                  auto again = weak.lock();
                                  if (again && again->running) {
                                      done(*again, std::move(result));
                                  }
                              });
        });
    }

    void record(core::EventType type, const std::string& run, std::string subject, json payload,
                std::function<void(const core::Result<void>&)> onDone = {}) {
        core::Change change;
        change.events.push_back(
            drillEvent(parts.clock.nowUs(), type, run, std::move(subject), std::move(payload)));
        change.onDone = std::move(onDone);
        parts.recorder.commit(std::move(change));
    }

    // --- the bus -------------------------------------------------------------------------

    void onDrillEvent(const core::RecordedEvent& e) {
        const json payload = e.body ? *e.body : json::object();
        runs.apply(e.event.type, e.event.timeUs, payload);
        if (e.event.type == kDrillFinished.name) {
            std::lock_guard lock(digestMutex);
            digests[payload.value("run", "")] = payload.value("report_sha256", "");
        }
        if (e.event.type == kDrillApproved.name) {
            begin(payload.value("run", ""));
        }
    }

    void onPlantEvent(const core::RecordedEvent& e) {
        if (active && !active->measuring) {
            runs.observe(
                TimelineEvent{e.event.timeUs, e.event.type, e.body ? *e.body : json::object()});
        }
    }

    // --- a run ---------------------------------------------------------------------------

    void begin(const std::string& id) {
        const DrillRun* run = runs.find(id);
        if (run == nullptr || run->state != RunState::approved) {
            return;
        }
        if (active) {
            record(kDrillAborted, id, run->requestedBy,
                   {{"reason", "another_drill"},
                    {"message", "drill " + active->id + " was running when this one was approved"},
                    {"feeds_restored", false}});
            return;
        }
        auto spec = findScenario(run->scenario, parts.config.timing);
        if (!spec) {
            record(kDrillAborted, id, run->requestedBy,
                   {{"reason", "unknown_scenario"},
                    {"message", run->scenario},
                    {"feeds_restored", false}});
            return;
        }
        const bool simulated = run->mode == "simulation";
        const core::TimeUs now = parts.clock.nowUs();
        Active a;
        a.id = id;
        a.spec = *spec;
        a.startUs = now;
        json steps = json::array();
        for (const auto& step : spec->steps) {
            steps.push_back({{"at_s", step.at.count()},
                             {"mark", step.mark},
                             {"sends", simulated && !step.simCommand.is_null()}});
        }
        const core::TimeUs endsUs =
            now + std::chrono::duration_cast<std::chrono::microseconds>(spec->duration).count();
        active = std::move(a);
        // The simulator hears the first step only once drill.started is durable.
        const auto t0 = std::chrono::steady_clock::now();
        std::weak_ptr<Impl> weak = weak_from_this();
        record(kDrillStarted, id, run->requestedBy,
               {{"scenario", spec->id},
                {"mode", run->mode},
                {"started_us", now},
                {"ends_us", endsUs},
                {"steps", std::move(steps)}},
               [weak, id, t0, simulated](const core::Result<void>& done) {
                   auto s = weak.lock();
                   if (!s || !s->running || !s->isActive(id)) {
                       return;
                   }
                   if (!done) {  // not recorded: nothing is played (a restart aborts the run)
                       core::logError(kComponent,
                                      "drill " + id + " not started: " + done.error().message);
                       s->active.reset();
                       return;
                   }
                   s->armSteps(id, t0, simulated);
               });
    }

    void armSteps(const std::string& id, std::chrono::steady_clock::time_point t0, bool simulated) {
        std::weak_ptr<Impl> weak = weak_from_this();
        const auto& steps = active->spec.steps;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            if (!simulated || steps[i].simCommand.is_null()) {
                continue;  // an observed step is confirmed by an operator (marks)
            }
            arm(t0 + steps[i].at, [weak, id, i] {
                if (auto s = weak.lock(); s && s->running) {
                    s->playStep(id, i);
                }
            });
        }
        arm(t0 + active->spec.duration, [weak, id] {
            if (auto s = weak.lock(); s && s->running) {
                s->finish(id);
            }
        });
    }

    template <class Fn>
    void arm(std::chrono::steady_clock::time_point at, Fn fn) {
        auto timer = std::make_unique<boost::asio::steady_timer>(parts.executor);
        timer->expires_at(at);
        timer->async_wait([fn](const boost::system::error_code& ec) {
            if (!ec) {
                fn();
            }
        });
        active->timers.push_back(std::move(timer));
    }

    bool isActive(const std::string& id) const { return active && active->id == id; }

    void playStep(const std::string& id, std::size_t index) {
        if (!isActive(id)) {
            return;
        }
        const ScenarioStep step = active->spec.steps[index];
        const core::HostPort simulator = *parts.config.simulator;
        offload(
            [simulator, command = step.simCommand] {
                return sendToSimulator(simulator, command, kSimulatorTimeout);
            },
            [id, step](Impl& s, core::Result<json> answer) {
                if (!s.isActive(id) || s.active->measuring) {
                    return;
                }
                const DrillRun* run = s.runs.find(id);
                const std::string subject = run ? run->requestedBy : "";
                if (!answer) {
                    core::logError(kComponent, "drill " + id + ": " + answer.error().message);
                    s.abort(id, "simulator_unreachable", "", answer.error().message, {});
                    return;
                }
                s.record(kDrillStep, id, subject,
                         {{"mark", step.mark},
                          {"at_s", step.at.count()},
                          {"sent", true},
                          {"command", step.simCommand},
                          // What it did, not the plant's whole state it answers with.
                          {"answer", json{{"ok", answer->value("ok", json(nullptr))}}}});
            });
    }

    // Stops the active run: its timers cancelled, in simulation both feeds restored, then
    // drill.aborted. `reply` (may be empty) hears when that is durable.
    void abort(const std::string& id, std::string reason, std::string by, std::string message,
               json actor, std::function<void(const core::Result<void>&)> reply = {}) {
        const DrillRun* run = runs.find(id);
        const std::string subject = run ? run->requestedBy : "";
        const bool simulated = run && run->mode == "simulation" && parts.config.simulator;
        if (isActive(id)) {
            active.reset();  // cancels its timers
        }
        json payload = actor.is_object() ? std::move(actor) : json::object();
        payload["reason"] = std::move(reason);
        payload["by"] = std::move(by);
        payload["message"] = std::move(message);
        if (!simulated) {
            payload["feeds_restored"] = false;
            record(kDrillAborted, id, subject, std::move(payload), std::move(reply));
            return;
        }
        offload([simulator = *parts.config.simulator] { return restoreFeeds(simulator); },
                [id, subject, payload = std::move(payload), reply = std::move(reply)](
                    Impl& s, bool restored) mutable {
                    payload["feeds_restored"] = restored;
                    s.record(kDrillAborted, id, subject, std::move(payload), std::move(reply));
                });
    }

    static bool restoreFeeds(const core::HostPort& simulator) {
        bool ok = true;
        for (const char* feed : {"a", "b"}) {
            auto r = sendToSimulator(simulator, json{{"do", "restore"}, {"feed", feed}},
                                     kSimulatorTimeout);
            if (!r) {
                core::logError(kComponent, "restoring feed " + std::string(feed) +
                                               " in the plant simulator: " + r.error().message);
                ok = false;
            }
        }
        return ok;
    }

    // The end of the run: the stores read, the criteria judged, the report signed and kept,
    // then drill.finished (or drill.aborted report_failed, with why).
    void finish(const std::string& id) {
        const DrillRun* run = runs.find(id);
        if (!isActive(id) || run == nullptr) {
            return;
        }
        active->measuring = true;
        DrillReport report;
        report.run = *run;
        report.run.endsUs = parts.clock.nowUs();
        if (report.run.startedUs == 0) {
            report.run.startedUs = active->startUs;
        }
        report.scenario = active->spec;
        report.siteName = parts.config.siteName;
        report.utcOffsetMinutes = parts.utcOffsetMinutes;
        auto key = signer;
        const auto stores = parts.telemetryPaths;
        const auto config = parts.config;
        const auto dir = parts.reportDir;
        const core::Clock& clock = parts.clock;
        struct Made {
            core::Result<void> ok;
            json criteria = json::array();
            bool passed = false;
            std::string sha256;
            std::size_t events = 0;
        };
        offload(
            [report = std::move(report), signer = key, stores, config, dir, &clock]() mutable {
                Made made;
                std::vector<std::string> problems;
                report.series =
                    readSeries(config, stores, report.run.startedUs, report.run.endsUs, problems);
                for (const auto& p : problems) {
                    core::logWarning(kComponent, "drill " + report.run.id + ": " + p);
                }
                DrillInputs in;
                in.startUs = report.run.startedUs;
                in.endUs = report.run.endsUs;
                in.events = report.run.timeline;
                for (const auto& s : report.series) {
                    in.series[s.name] = s.samples;
                }
                report.results = measure(report.scenario, in, config.limits);
                report.generatedUs = clock.nowUs();
                report.signingKeySha256 = signer ? signer->fingerprint() : "";
                if (!signer) {
                    made.ok =
                        core::makeError("drills.no_key", "the report-signing key is not loaded");
                    return made;
                }
                const std::string html = renderDrillReport(report);
                auto signature = signer->sign(html);
                if (!signature) {
                    made.ok = signature.error();
                    return made;
                }
                if (auto r = writeWhole(dir / (report.run.id + ".html.sig"), *signature); !r) {
                    made.ok = r.error();
                    return made;
                }
                if (auto r = writeWhole(dir / (report.run.id + ".html"), html); !r) {
                    made.ok = r.error();
                    return made;
                }
                for (const auto& c : report.results) {
                    json j = toJson(c);
                    j.erase("detail");
                    made.criteria.push_back(std::move(j));
                }
                made.passed = passed(report.results);
                made.sha256 = core::toHex(core::sha256(html));
                made.events = report.run.timeline.size();
                return made;
            },
            [id, fingerprint = key ? key->fingerprint() : std::string()](Impl& s, Made made) {
                if (!s.isActive(id)) {
                    return;
                }
                const DrillRun* finished = s.runs.find(id);
                const std::string subject = finished ? finished->requestedBy : "";
                const std::string scenario = s.active->spec.id;
                s.active.reset();
                if (!made.ok) {
                    core::logError(kComponent, "drill " + id + ": " + made.ok.error().message);
                    s.record(kDrillAborted, id, subject,
                             {{"reason", "report_failed"},
                              {"by", ""},
                              {"message", made.ok.error().message},
                              {"feeds_restored", false}});
                    return;
                }
                s.record(kDrillFinished, id, subject,
                         {{"scenario", scenario},
                          {"mode", finished ? finished->mode : ""},
                          {"passed", made.passed},
                          {"criteria", std::move(made.criteria)},
                          {"report_sha256", made.sha256},
                          {"signing_key_sha256", fingerprint},
                          {"timeline_events", made.events}});
            });
    }

    // --- routes --------------------------------------------------------------------------

    json scenarioList() const {
        json out = json::array();
        const bool simulated = parts.config.simulator.has_value();
        for (const auto& s : scenarios(parts.config.timing)) {
            json steps = json::array();
            for (const auto& step : s.steps) {
                steps.push_back({{"at_s", step.at.count()},
                                 {"mark", step.mark},
                                 {"sends", simulated && !step.simCommand.is_null()}});
            }
            json criteria = json::array();
            for (auto c : s.criteria) {
                criteria.push_back(std::string(toString(c)));
            }
            out.push_back({{"id", s.id},
                           {"duration_s", s.duration.count()},
                           {"steps", std::move(steps)},
                           {"criteria", std::move(criteria)}});
        }
        return out;
    }

    void getDrills(const ApiCall& call, const ApiReply& reply) {
        reply(ApiResult{200,
                        {{"time_us", parts.clock.nowUs()},
                         {"configured", parts.config.present},
                         {"utc_offset_minutes", parts.utcOffsetMinutes},
                         {"simulator", parts.config.simulator.has_value()},
                         {"can_request", kDrillRequesters.contains(call.role)},
                         {"scenarios", scenarioList()},
                         {"runs", runs.list()}}});
    }

    void getRun(const ApiCall& call, const ApiReply& reply) {
        const DrillRun* run = runs.find(call.params.at("id"));
        if (run == nullptr) {
            reply(drillError(404, "drills.unknown_run", "no drill " + call.params.at("id")));
            return;
        }
        reply(ApiResult{200, runs.toJson(*run, true)});
    }

    void postRequest(const ApiCall& call, const ApiReply& reply) {
        auto request = parseDrillRequest(call.body, parts.config);
        if (!request) {
            reply(drillError(statusOf(request.error()), request.error().code,
                             request.error().message));
            return;
        }
        if (const DrillRun* now = runs.running()) {
            reply(drillError(409, "drills.running",
                             "drill " + now->id + " is running; ask again once it ended"));
            return;
        }
        parts.approvals.request(
            call, std::string(kDrillRunKind), drillAction(*request), drillSummary(*request), "",
            [reply](core::Result<policy::ApprovalRequest> requested) {
                if (!requested) {
                    reply(drillError(policy::approvalErrorStatus(requested.error()),
                                     requested.error().code, requested.error().message));
                    return;
                }
                reply(ApiResult{202,
                                {{"approval",
                                  {{"id", requested->id},
                                   {"kind", requested->kind},
                                   {"state", requested->state},
                                   {"expires_us", requested->expiresUs}}}}});
            });
    }

    static std::function<void(const core::Result<void>&)> answerWhenDurable(ApiReply reply,
                                                                            json body) {
        return [reply, body](const core::Result<void>& done) {
            if (!done) {
                reply(drillError(503, "drills.not_recorded", done.error().message));
                return;
            }
            reply(ApiResult{200, body});
        };
    }

    void postMark(const ApiCall& call, const ApiReply& reply) {
        const std::string id = call.params.at("id");
        const DrillRun* run = runs.find(id);
        if (run == nullptr) {
            reply(drillError(404, "drills.unknown_run", "no drill " + id));
            return;
        }
        if (!isActive(id) || active->measuring) {
            reply(drillError(409, "drills.not_running", "drill " + id + " is not running"));
            return;
        }
        if (!call.body.is_object() || call.body.size() != 1 || !call.body.contains("mark") ||
            !call.body["mark"].is_string()) {
            reply(drillError(400, "drills.bad_request", "body: {mark}"));
            return;
        }
        const std::string mark = call.body["mark"].get<std::string>();
        const auto step = std::find_if(run->steps.begin(), run->steps.end(), [&](const RunStep& s) {
            return s.mark == mark && s.doneUs == 0 && !s.sends;
        });
        if (step == run->steps.end()) {
            reply(drillError(400, "drills.bad_request",
                             "body.mark: '" + mark +
                                 "' is no open step of this drill that people "
                                 "confirm"));
            return;
        }
        json payload = core::actorFields(call);
        payload["mark"] = mark;
        payload["by"] = call.actor;
        record(kDrillMarked, id, run->requestedBy, std::move(payload),
               answerWhenDurable(reply, {{"run", id}, {"mark", mark}}));
    }

    void postAbort(const ApiCall& call, const ApiReply& reply) {
        const std::string id = call.params.at("id");
        if (runs.find(id) == nullptr) {
            reply(drillError(404, "drills.unknown_run", "no drill " + id));
            return;
        }
        if (!isActive(id) || active->measuring) {
            reply(drillError(409, "drills.not_running", "drill " + id + " is not running"));
            return;
        }
        if (!call.body.is_object() || !call.body.contains("reason") ||
            !call.body["reason"].is_string() ||
            !saysSomething(call.body["reason"].get_ref<const std::string&>()) ||
            call.body["reason"].get_ref<const std::string&>().size() > 500) {
            reply(drillError(400, "drills.bad_request", "body.reason: required (why it stops)"));
            return;
        }
        abort(id, "operator", call.actor, call.body["reason"].get<std::string>(),
              core::actorFields(call),
              answerWhenDurable(reply, {{"run", id}, {"state", "aborted"}}));
    }

    // On a console worker: the kept file, only while it has the digest the trail recorded and
    // its kept signature verifies under the daemon's key (a file and a digest both rewritten by
    // someone without the key still fail).
    void getReport(const ApiCall& call, const ApiReply& reply, bool signature) {
        const std::string id = call.params.at("id");
        std::string digest;
        {
            std::lock_guard lock(digestMutex);
            auto it = digests.find(id);
            if (it == digests.end()) {
                reply(drillError(404, "drills.no_report", "drill " + id + " has no report"));
                return;
            }
            digest = it->second;
        }
        const auto html = readWhole(parts.reportDir / (id + ".html"));
        const auto sig = readWhole(parts.reportDir / (id + ".html.sig"));
        std::string wrong;
        if (!html) {
            wrong = "the kept report is missing";
        } else if (core::toHex(core::sha256(*html)) != digest) {
            wrong = "the kept report does not have the digest the trail recorded (" + digest + ")";
        } else if (!sig || !signer ||
                   !core::verifyReportSignature(signer->publicKeyPem(), *html, *sig)) {
            wrong = "the kept report's signature does not verify under the report-signing key";
        }
        if (!wrong.empty()) {
            core::logError(kComponent, "drill " + id + ": " + wrong);
            reply(drillError(409, "drills.report_altered",
                             "drill " + id + ": " + wrong + "; it is not served"));
            return;
        }
        if (signature) {
            reply(core::oneChunkBody("application/octet-stream", id + ".html.sig", *sig));
        } else {
            reply(core::oneChunkBody("text/html; charset=utf-8", "", *html, true));
        }
    }

    void getKey(const ApiCall&, const ApiReply& reply) {
        if (!signer) {
            reply(drillError(503, "drills.no_key", "the report-signing key is not loaded"));
            return;
        }
        reply(core::oneChunkBody("application/x-pem-file", "report-signing.pub.pem",
                                 signer->publicKeyPem()));
    }
};

namespace {

// The runs as the trail has them (a restart keeps the list; the reports stay served).
core::Result<void> restoreRuns(DrillRuns& runs,
                               std::map<std::string, std::string, std::less<>>& digests,
                               const std::string& databasePath) {
    if (!std::filesystem::exists(databasePath)) {
        return {};
    }
    auto db = core::Database::open(databasePath, core::Database::Mode::readOnly);
    if (!db) {
        return db.error();
    }
    auto select = (*db)->prepare(
        "SELECT time_us, type, payload FROM audit_events "
        "WHERE type >= 'drill.' AND type < 'drill/' ORDER BY seq");
    if (!select) {
        return select.error();
    }
    for (;;) {
        auto more = select->step();
        if (!more) {
            return more.error();
        }
        if (!*more) {
            return {};
        }
        const std::string type = select->columnText(1);
        const auto payload = json::parse(select->columnText(2), nullptr, false);
        runs.apply(type, select->columnInt(0), payload);
        if (type == kDrillFinished.name && payload.is_object()) {
            digests[payload.value("run", "")] = payload.value("report_sha256", "");
        }
    }
}

void registerRunKind(policy::ApprovalEngine& engine, const core::Clock& clock,
                     const DrillsConfig& config) {
    policy::ApprovalKind kind;
    kind.name = std::string(kDrillRunKind);
    kind.requesters = kDrillRequesters;
    kind.approvers = kDrillApprovers;
    kind.ttl = std::chrono::hours(8);  // approved the same day it is run
    kind.apply = [&clock, config](core::Database&, const policy::ApprovalRequest& request)
        -> core::Result<std::vector<core::Event>> {
        auto asked = parseDrillRequest(request.action, config);
        if (!asked) {
            return asked.error();
        }
        json payload{{"approval", request.id},
                     {"scenario", asked->scenario},
                     {"mode", asked->mode},
                     {"reason", asked->reason},
                     {"requested_by", request.requester},
                     {"approved_by", request.decidedBy}};
        return std::vector<core::Event>{
            drillEvent(clock.nowUs(), kDrillApproved, request.id, request.requester, payload)};
    };
    engine.registerKind(std::move(kind));
}

}  // namespace

core::Result<std::unique_ptr<DrillsService>> DrillsService::create(DrillsServiceParts parts) {
    auto impl = std::make_shared<Impl>(std::move(parts));
    if (auto r = restoreRuns(impl->runs, impl->digests, impl->parts.databasePath); !r) {
        return r.error();
    }
    registerRunKind(impl->parts.approvals, impl->parts.clock, impl->parts.config);
    return std::unique_ptr<DrillsService>(new DrillsService(std::move(impl)));
}

DrillsService::DrillsService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

DrillsService::~DrillsService() {
    stop();
    impl_->worker.join();
}

core::Result<void> DrillsService::start() {
    auto& impl = *impl_;
    std::error_code ec;
    std::filesystem::create_directories(impl.parts.reportDir, ec);
    if (ec) {
        return core::makeError("drills.report_dir",
                               impl.parts.reportDir.string() + ": " + ec.message());
    }
    std::filesystem::permissions(impl.parts.reportDir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    bool created = false;
    auto signer = core::ReportSigner::loadOrCreate(impl.parts.signingKeyPath, &created);
    if (!signer) {
        return signer.error();
    }
    if (created) {
        core::logWarning(kComponent, "made the report-signing key " + impl.parts.signingKeyPath +
                                         " (the reports domain was not first)");
    }
    impl.signer = std::make_shared<const core::ReportSigner>(std::move(*signer));
    impl.running = true;
    std::weak_ptr<Impl> weak = impl_;
    impl.tokens.push_back(impl.parts.bus.subscribe("drill.", [weak](const core::RecordedEvent& e) {
        if (auto s = weak.lock(); s && s->running) {
            s->onDrillEvent(e);
        }
    }));
    for (const char* prefix : {"power.", "hvac."}) {
        impl.tokens.push_back(
            impl.parts.bus.subscribe(prefix, [weak](const core::RecordedEvent& e) {
                if (auto s = weak.lock(); s && s->running) {
                    s->onPlantEvent(e);
                }
            }));
    }
    // A drill the last run of the daemon did not end: stopped now (and, in simulation, its
    // feeds restored), never resumed without its timers.
    std::vector<std::string> interrupted;
    for (const DrillRun* run : impl.runs.unfinished()) {
        interrupted.push_back(run->id);
    }
    for (const auto& id : interrupted) {
        impl.abort(id, "restart", "", "the daemon stopped during the drill", {});
    }
    return {};
}

void DrillsService::stop() {
    impl_->running = false;
    impl_->active.reset();
    impl_->tokens.clear();
}

std::vector<core::ApiRoute> DrillsService::routes() {
    std::vector<core::ApiRoute> out;
    using Member = void (Impl::*)(const ApiCall&, const ApiReply&);
    auto add = [&](HttpMethod method, std::string pattern, core::RoleSet roles, core::RunOn runOn,
                   std::function<void(Impl&, const ApiCall&, const ApiReply&)> member) {
        core::ApiRoute route;
        route.method = method;
        route.pattern = std::move(pattern);
        route.roles = roles;
        route.runOn = runOn;
        route.handler = [weak = std::weak_ptr(impl_), member](const ApiCall& call,
                                                              const ApiReply& reply) {
            auto self = weak.lock();
            if (!self || !self->running) {
                reply(drillError(503, "drills.stopped", "drills stopped"));
                return;
            }
            member(*self, call, reply);
        };
        out.push_back(std::move(route));
    };
    auto on = [](Member m) {
        return [m](Impl& i, const ApiCall& c, const ApiReply& r) { (i.*m)(c, r); };
    };
    using core::RunOn;
    add(HttpMethod::get, "/api/drills", kDrillViewers, RunOn::io, on(&Impl::getDrills));
    add(HttpMethod::post, "/api/drills/requests", kDrillRequesters, RunOn::io,
        on(&Impl::postRequest));
    add(HttpMethod::get, "/api/drills/signing-key.pem", kDrillViewers, RunOn::io,
        on(&Impl::getKey));
    add(HttpMethod::get, "/api/drills/runs/{id}", kDrillViewers, RunOn::io, on(&Impl::getRun));
    add(HttpMethod::post, "/api/drills/runs/{id}/marks", kDrillRequesters, RunOn::io,
        on(&Impl::postMark));
    add(HttpMethod::post, "/api/drills/runs/{id}/abort", kDrillAborters, RunOn::io,
        on(&Impl::postAbort));
    // Reads files: on a console worker.
    add(HttpMethod::get, "/api/drills/runs/{id}/report.html", kDrillViewers, RunOn::worker,
        [](Impl& i, const ApiCall& c, const ApiReply& r) { i.getReport(c, r, false); });
    add(HttpMethod::get, "/api/drills/runs/{id}/report.html.sig", kDrillViewers, RunOn::worker,
        [](Impl& i, const ApiCall& c, const ApiReply& r) { i.getReport(c, r, true); });
    return out;
}

std::vector<core::EventVisibility> DrillsService::eventVisibility() {
    return {core::EventVisibility{"drill.", kDrillViewers}};
}

// Loaded on every site (its catalogue labels the drill events); the page itself is added only
// where the site file has [drills] (GET /api/drills `configured`).
std::optional<core::UiPlugin> DrillsService::uiPlugin() {
    return core::UiPlugin{"drills", impl_->parts.webDir, "index.js", kDrillViewers};
}

}  // namespace sekimori::drills
