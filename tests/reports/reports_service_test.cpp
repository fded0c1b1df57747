// The reports service on the real recorder: its routes' roles, bad input, a report answered only
// once its report.generated is durable, the signing key made once, and the compliance summary
// whose signature verifies over the HTML it carries and the one its .sig route serves.
#include "reports/reports_service.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "core/audited_recorder.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/report_signer.hpp"
#include "core/report_time.hpp"
#include "reports/reports_event_types.hpp"
#include "reports/trail_reader.hpp"
#include "tests/core/audit_test_support.hpp"

namespace sekimori::reports {
namespace {

using namespace std::chrono_literals;
using core::testing::runUntil;
using core::testing::TempDir;
using nlohmann::json;

constexpr int kJst = 540;

struct ReportsServiceTest : ::testing::Test {
    TempDir dir;
    std::string dbPath = dir.file("site.db");
    std::string keyPath = dir.file("keys/report-signing.key");
    boost::asio::io_context io;
    core::EventBus bus;
    // Before the events the tests record: the recorder never stores a time before the row before.
    core::ManualClock clock{*core::parseReportTime("2026-11-30T12:00", kJst)};
    std::unique_ptr<core::AuditedRecorder> recorder;
    std::unique_ptr<ReportsService> service;
    std::vector<core::ApiRoute> routes;

    void SetUp() override {
        core::AuditedRecorderOptions o;
        o.signingKeyPath = dir.file("audit-signing.key");
        o.pollInterval = 2ms;
        o.retryInterval = 5ms;
        auto writer = core::Database::open(dbPath);
        ASSERT_TRUE(writer);
        auto made =
            core::AuditedRecorder::create(std::move(*writer), io.get_executor(), bus, clock, o);
        ASSERT_TRUE(made) << made.error().message;
        recorder = std::move(*made);
        service = makeService();
        ASSERT_TRUE(service->start().ok());
        routes = service->routes();
    }

    void TearDown() override {
        if (service) {
            service->stop();
        }
        if (recorder) {
            recorder->stop();
        }
    }

    std::unique_ptr<ReportsService> makeService() {
        ReportsConfig config;
        config.siteName = "Fixture";
        config.managementAreas = {{"server-room", "Server room"}};
        return std::make_unique<ReportsService>(ReportsServiceParts{
            io.get_executor(), *recorder, clock, dbPath, keyPath, kJst, config, dir.file("web")});
    }

    void record(const char* local, const char* type, json payload) {
        core::Event e;
        e.timeUs = *core::parseReportTime(local, kJst);
        e.type = type;
        e.source = "door:server-room-door";
        e.payload = payload.dump();
        recorder->record(std::move(e));
    }

    std::vector<TrailEvent> trail(const std::string& type) {
        auto db = core::Database::open(dbPath, core::Database::Mode::readOnly);
        auto slice = readTrail(**db, {0, INT64_MAX, {type}, "", 1000});
        return slice->events;
    }

    static core::ApiCall call(std::map<std::string, std::string> query = {},
                              std::map<std::string, std::string> params = {}) {
        core::ApiCall c;
        c.actor = "aud";
        c.role = core::Role::auditor;
        c.remote = "127.0.0.1";
        c.query = std::move(query);
        c.params = std::move(params);
        return c;
    }

    // Calls the route as the console's worker would, and runs the io thread until it answers.
    core::ApiAnswer get(const std::string& pattern, const core::ApiCall& c) {
        const core::ApiRoute* route = nullptr;
        for (const auto& r : routes) {
            if (r.pattern == pattern) {
                route = &r;
            }
        }
        EXPECT_NE(route, nullptr) << pattern;
        auto answer = std::make_shared<std::optional<core::ApiAnswer>>();
        route->handler(c, [answer](core::ApiAnswer a) { *answer = std::move(a); });
        EXPECT_TRUE(runUntil(io, [&] { return answer->has_value(); })) << pattern;
        return std::move(**answer);
    }

    static core::ApiResult result(core::ApiAnswer a) {
        EXPECT_TRUE(std::holds_alternative<core::ApiResult>(a));
        return std::get<core::ApiResult>(std::move(a));
    }

    static std::string bytes(core::ApiAnswer a) {
        EXPECT_TRUE(std::holds_alternative<core::StreamBody>(a));
        auto& body = std::get<core::StreamBody>(a);
        std::string out;
        while (true) {
            auto chunk = body.next();
            EXPECT_TRUE(chunk.ok());
            if (!chunk || chunk->empty()) {
                return out;
            }
            out += *chunk;
        }
    }
};

TEST_F(ReportsServiceTest, EveryRouteIsAGetForTheAuditorAndTheSecurityAdminOnAWorker) {
    ASSERT_EQ(routes.size(), 6u);
    for (const auto& r : routes) {
        EXPECT_EQ(r.method, core::HttpMethod::get) << r.pattern;
        EXPECT_EQ(r.runOn, core::RunOn::worker) << r.pattern;
        EXPECT_TRUE(r.roles.contains(core::Role::auditor)) << r.pattern;
        EXPECT_TRUE(r.roles.contains(core::Role::securityAdmin)) << r.pattern;
        for (auto other :
             {core::Role::deskOperator, core::Role::facilityAdmin, core::Role::bcpCoordinator}) {
            EXPECT_FALSE(r.roles.contains(other)) << r.pattern;
        }
    }
    ASSERT_TRUE(service->uiPlugin().has_value());
    EXPECT_EQ(service->uiPlugin()->name, "reports");
}

TEST_F(ReportsServiceTest, TheSigningKeyIsMadeOnceWithMode0600) {
    ASSERT_TRUE(recorder->flush().ok());
    struct stat st {};
    ASSERT_EQ(::stat(keyPath.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto second = makeService();
    ASSERT_TRUE(second->start().ok());
    ASSERT_TRUE(recorder->flush().ok());
    const auto created = trail(std::string(kReportSigningKeyCreated.name));
    ASSERT_EQ(created.size(), 1u);
    const auto listed = result(get("/api/reports", call()));
    EXPECT_EQ(created[0].payload["public_key_sha256"], listed.body["signing_key_sha256"]);
    second->stop();
}

TEST_F(ReportsServiceTest, BadInputIsRefusedNamingWhatWasWrong) {
    struct Row {
        std::map<std::string, std::string> query;
        int status;
        const char* says;
    };
    const Row rows[] = {
        {{{"from", "yesterday"}}, 400, "from:"},
        {{{"to", "2026-13-01"}}, 400, "to:"},
        {{{"from", "2026-12-02"}, {"to", "2026-12-01"}}, 400, "from: must be before to"},
        {{{"limit", "0"}}, 400, "limit:"},
        {{{"kind", "access"}}, 400, "kind: unknown parameter"},
    };
    for (const auto& row : rows) {
        const auto r = result(get("/api/reports/{kind}", call(row.query, {{"kind", "access"}})));
        EXPECT_EQ(r.status, row.status);
        EXPECT_NE(r.body.value("error", "").find(row.says), std::string::npos) << r.body.dump();
    }
    const auto unknown = result(get("/api/reports/{kind}", call({}, {{"kind", "everything"}})));
    EXPECT_EQ(unknown.status, 404);
    EXPECT_TRUE(trail(std::string(kReportGenerated.name)).empty());  // nothing was run
}

TEST_F(ReportsServiceTest, AReportIsAnsweredOnceItsRecordIsDurable) {
    for (int i = 0; i < 3; ++i) {
        record("2026-12-01T10:00", "access.denied",
               {{"person", "ken"},
                {"door", "server-room-door"},
                {"decision", "denied"},
                {"reason", "wrong_pin"}});
    }
    record("2026-12-01T23:00", "door.forced", {{"door", "server-room-door"}});
    ASSERT_TRUE(recorder->flush().ok());
    clock.set(*core::parseReportTime("2026-12-02T12:00", kJst));
    const auto r =
        result(get("/api/reports/{kind}",
                   call({{"from", "2026-12-01"}, {"to", "2026-12-02"}}, {{"kind", "suspicious"}})));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["kind"], "suspicious");
    EXPECT_EQ(r.body["rows"].size(), 4u);
    EXPECT_EQ(r.body["zone"], "UTC+09:00");
    EXPECT_EQ(r.body["summary"]["repeated"].size(), 1u);
    // Read at once, without a flush: the record was durable before the answer.
    const auto generated = trail(std::string(kReportGenerated.name));
    ASSERT_EQ(generated.size(), 1u);
    EXPECT_EQ(generated[0].payload["kind"], "suspicious");
    EXPECT_EQ(generated[0].payload["actor"], "aud");
    EXPECT_EQ(generated[0].payload["rows"], 4);
    EXPECT_EQ(generated[0].source, "operator:aud");
}

TEST_F(ReportsServiceTest, TheComplianceSummaryIsSignedOverItsHtml) {
    record("2026-12-01T10:00", "presence.entered",
           {{"person", "aiko"}, {"zone", "server-room"}, {"door", "server-room-door"}});
    ASSERT_TRUE(recorder->flush().ok());
    clock.set(*core::parseReportTime("2026-12-02T12:00", kJst));
    const auto r = result(get("/api/reports/compliance", call()));
    ASSERT_EQ(r.status, 200) << r.body.dump();
    const std::string html = r.body["html"];
    auto signature = core::fromBase64(r.body["signature"].get<std::string>());
    ASSERT_TRUE(signature.ok());
    EXPECT_TRUE(core::verifyReportSignature(r.body["public_key_pem"], html, *signature));
    EXPECT_EQ(r.body["html_sha256"], core::toHex(core::sha256(html)));
    EXPECT_EQ(r.body["summary"]["rows"].size(), 10u);
    EXPECT_EQ(r.body["summary"]["rows"][0]["status"], "ok");  // the entry into the server room

    const std::string served = bytes(get("/api/reports/compliance.html", call()));
    const std::string servedSig = bytes(get("/api/reports/compliance.html.sig",
                                            call({{"sha256", core::toHex(core::sha256(served))}})));
    EXPECT_TRUE(core::verifyReportSignature(r.body["public_key_pem"], served, servedSig));
    const std::string first =
        bytes(get("/api/reports/compliance.html.sig", call({{"sha256", r.body["html_sha256"]}})));
    EXPECT_EQ(first, *signature);
    const auto unknown = result(get("/api/reports/compliance.html.sig", call({{"sha256", "00"}})));
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(bytes(get("/api/reports/signing-key.pem", call())),
              r.body["public_key_pem"].get<std::string>());
    const auto generated = trail(std::string(kReportGenerated.name));
    ASSERT_EQ(generated.size(), 2u);
    EXPECT_EQ(generated[0].payload["sha256"], r.body["html_sha256"]);
}

}  // namespace
}  // namespace sekimori::reports
