// Event search, the audited CSV export, the audit status and the verify button, over real HTTPS
// against the real recorder's trail.
#include "alarm_test_service.hpp"
#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using json = nlohmann::json;

class EventRoutes : public ConsoleFixture {
  protected:
    // Its rules admit access.* to the desk and the security admin, presence.* to everyone.
    void addServices(ConsoleServer& server) override { server.addService(alarms_); }
    void adjustOptions(ConsoleOptions& options) const override {
        options.site = core::SiteInfo{"hq", "Head office", 540};
        options.witnesses = {WitnessWatch{"w1", 30'000'000}};
    }

    void recordAccess(const std::string& type, const std::string& door, const std::string& person,
                      const std::string& decision, const std::string& reason) {
        core::Event e;
        e.timeUs = clock_.nowUs();
        e.type = type;
        e.source = "door:" + door;
        e.subject = person;
        e.payload = json{
            {"door", door},
            {"person", person},
            {"decision", decision},
            {"reason", reason},
            {"detail",
             "=2+3"}}.dump();
        recorder_.record(std::move(e));
    }

    // Ten access events, one a second, after the accounts' own events; returns their seqs.
    std::vector<std::int64_t> recordTen() {
        for (int i = 0; i < 10; ++i) {
            clock_.advanceMs(1000);
            recordAccess(i % 2 == 0 ? "access.granted" : "access.denied",
                         i < 5 ? "lobby" : "server-room", i < 3 ? "p-sato" : "p-tanaka",
                         i % 2 == 0 ? "granted" : "denied", i % 2 == 0 ? "granted" : "no_access");
        }
        flushRecorder();
        std::vector<std::int64_t> seqs;
        Reply all = request(http::verb::get, "/api/events?type=access.&limit=500", "",
                            loginAs(Role::deskOperator));
        EXPECT_EQ(all.status, 200u) << all.body;
        const json body = all.json();  // a range-for over a temporary's member would dangle
        for (const auto& e : body["events"]) {
            seqs.insert(seqs.begin(), e["seq"].get<std::int64_t>());
        }
        return seqs;
    }

    static std::vector<std::int64_t> seqsOf(const Reply& r) {
        std::vector<std::int64_t> out;
        const json body = r.json();
        for (const auto& e : body["events"]) {
            out.push_back(e["seq"].get<std::int64_t>());
        }
        return out;
    }

    AlarmTestService alarms_;
};

TEST_F(EventRoutes, SearchFiltersAndPagesOverTheTrail) {
    const auto seqs = recordTen();
    ASSERT_EQ(seqs.size(), 10u);
    const auto desk = loginAs(Role::deskOperator);
    auto get = [&](const std::string& query) {
        return request(http::verb::get, "/api/events?" + query, "", desk);
    };
    EXPECT_EQ(seqsOf(get("door=lobby&result=denied")), (std::vector{seqs[3], seqs[1]}));
    EXPECT_EQ(seqsOf(get("person=p-sato&type=access.granted")), (std::vector{seqs[2], seqs[0]}));
    EXPECT_EQ(seqsOf(get("reason=no_access&door=server-room")),
              (std::vector{seqs[9], seqs[7], seqs[5]}));
    // A time window (from inclusive, to exclusive) holds exactly the events recorded in it.
    const json all = get("type=access.&limit=500").json()["events"];
    const auto from = all[7]["time_us"].get<std::int64_t>();
    const auto to = from + 3'000'000;
    std::vector<std::int64_t> inWindow;
    for (const auto& e : all) {
        const auto t = e["time_us"].get<std::int64_t>();
        if (t >= from && t < to) {
            inWindow.push_back(e["seq"].get<std::int64_t>());
        }
    }
    EXPECT_FALSE(inWindow.empty());
    EXPECT_EQ(seqsOf(get("type=access.&from_us=" + std::to_string(from) +
                         "&to_us=" + std::to_string(to))),
              inWindow)
        << all.dump();

    const Reply first = get("type=access.&limit=4");
    EXPECT_EQ(seqsOf(first), (std::vector{seqs[9], seqs[8], seqs[7], seqs[6]}));
    EXPECT_EQ(first.json()["next_before_seq"], seqs[6]);
    const Reply catchUp = get("type=access.&limit=8&after_seq=" + std::to_string(seqs[1]));
    EXPECT_EQ(seqsOf(catchUp).front(), seqs[2]);
    EXPECT_TRUE(catchUp.json()["next_after_seq"].is_null());
    EXPECT_FALSE(catchUp.json().contains("next_before_seq"));

    // The facility admin sees no access.* at all: the role's visibility still applies.
    const Reply facility =
        request(http::verb::get, "/api/events?type=access.", "", loginAs(Role::facilityAdmin));
    ASSERT_EQ(facility.status, 200u);
    EXPECT_TRUE(facility.json()["events"].empty());
    EXPECT_TRUE(facility.json()["next_before_seq"].is_null());

    const Reply unknown = get("doors=lobby");
    EXPECT_EQ(unknown.status, 400u);
    EXPECT_EQ(unknown.json()["code"], "unknown_parameter");
    EXPECT_EQ(get("result=perhaps").json()["code"], "bad_filter");
}

TEST_F(EventRoutes, CsvExportIsRecordedFirstAndSafeToOpen) {
    const auto seqs = recordTen();
    const auto desk = loginAs(Role::deskOperator);
    const Reply csv = request(http::verb::get, "/api/events.csv?type=access.&door=lobby", "", desk);
    ASSERT_EQ(csv.status, 200u) << csv.body;
    EXPECT_EQ(csv.headers.at("content-type"), "text/csv; charset=utf-8");
    EXPECT_NE(csv.headers.at("content-disposition").find("events-hq.csv"), std::string::npos);
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < csv.body.size();) {
        const auto end = csv.body.find("\r\n", start);
        ASSERT_NE(end, std::string::npos);
        lines.push_back(csv.body.substr(start, end - start));
        start = end + 2;
    }
    ASSERT_EQ(lines.size(), 6u);  // the header and the lobby's five
    EXPECT_EQ(lines[0], "seq,time,type,source,subject,door,zone,person,result,reason,payload");
    EXPECT_EQ(lines[1].substr(0, lines[1].find(',')), std::to_string(seqs[4]));
    EXPECT_NE(lines[1].find("+09:00,access.granted,door:lobby,p-tanaka,lobby,,p-tanaka,granted,"
                            "granted,"),
              std::string::npos)
        << lines[1];
    // The payload cell is quoted JSON; the formula inside it is not at a cell's start.
    EXPECT_NE(lines[1].find("\"\"detail\"\":\"\"=2+3\"\""), std::string::npos) << lines[1];

    const auto exported = recorder_.ofType("console.events_exported");
    ASSERT_EQ(exported.size(), 1u);
    const json payload = json::parse(exported[0].payload);
    EXPECT_EQ(payload["filter"], (json{{"type", {"access."}}, {"door", "lobby"}}));
    EXPECT_EQ(payload["actor"], "u-operator");
    EXPECT_EQ(exported[0].source, "operator:u-operator");

    EXPECT_EQ(request(http::verb::get, "/api/events.csv", "", loginAs(Role::facilityAdmin)).status,
              403u);
    const Reply bad = request(http::verb::get, "/api/events.csv?limit=5", "", desk);
    EXPECT_EQ(bad.status, 400u);
    EXPECT_EQ(bad.json()["code"], "unknown_parameter");
    EXPECT_EQ(recorder_.ofType("console.events_exported").size(), 1u);
}

TEST_F(EventRoutes, AuditStatusAndVerify) {
    recordTen();
    const auto auditor = loginAs(Role::auditor);
    EXPECT_EQ(request(http::verb::get, "/api/audit/status", "", loginAs(Role::deskOperator)).status,
              403u);
    EXPECT_EQ(
        request(http::verb::post, "/api/audit/verify", "", loginAs(Role::deskOperator), origin_)
            .status,
        403u);

    const Reply before = request(http::verb::get, "/api/audit/status", "", auditor);
    ASSERT_EQ(before.status, 200u) << before.body;
    const json status = before.json();
    EXPECT_GT(status["size"].get<std::int64_t>(), 10);
    EXPECT_EQ(status["head_hash"].get<std::string>().size(), 64u);
    EXPECT_TRUE(status["last_verify"].is_null());
    ASSERT_EQ(status["witnesses"].size(), 1u);
    EXPECT_EQ(status["witnesses"][0]["id"], "w1");
    EXPECT_EQ(status["witnesses"][0]["state"], "none");

    const Reply verified = request(http::verb::post, "/api/audit/verify", "", auditor, origin_);
    ASSERT_EQ(verified.status, 200u) << verified.body;
    const json result = verified.json();
    EXPECT_TRUE(result["ok"].is_boolean());
    EXPECT_GE(result["size"].get<std::int64_t>(), status["size"].get<std::int64_t>());
    EXPECT_TRUE(result["problems"].is_array());
    EXPECT_LE(result["problems"].size(), 20u);
    EXPECT_EQ(result["time_us"], clock_.nowUs());
    const auto events = recorder_.ofType("audit.verified");
    ASSERT_EQ(events.size(), 1u);
    const json payload = json::parse(events[0].payload);
    EXPECT_EQ(payload["ok"], result["ok"]);
    EXPECT_EQ(payload["actor"], "u-auditor");

    const json last =
        request(http::verb::get, "/api/audit/status", "", auditor).json()["last_verify"];
    EXPECT_EQ(last["actor"], "u-auditor");
    EXPECT_EQ(last["ok"], result["ok"]);
    EXPECT_EQ(last["time_us"], result["time_us"]);
}

TEST_F(EventRoutes, VerifyFindsATamperedTrail) {
    recordTen();
    {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE((*db)
                        ->exec("UPDATE audit_events SET payload = '{\"door\":\"elsewhere\"}'"
                               " WHERE seq = (SELECT MAX(seq) FROM audit_events)")
                        .ok());
    }
    const Reply verified =
        request(http::verb::post, "/api/audit/verify", "", loginAs(Role::securityAdmin), origin_);
    ASSERT_EQ(verified.status, 200u) << verified.body;
    EXPECT_FALSE(verified.json()["ok"]);
    EXPECT_FALSE(verified.json()["problems"].empty());
    const auto events = recorder_.ofType("audit.verified");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_FALSE(json::parse(events[0].payload)["ok"]);
}

}  // namespace
}  // namespace sekimori::console::testing
