// The audit history and checkpoints the console reads from core's tables.
#include <array>

#include "alarm_test_service.hpp"
#include "console/console_queries.hpp"
#include "console/event_search.hpp"
#include "console_fixture.hpp"
#include "core/crypto.hpp"

namespace sekimori::console::testing {
namespace {

class ConsoleQueries : public ConsoleFixture {
  protected:
    // The test writes its own audit rows; the accounts' operator.added rows follow them as
    // seq 10..14 (kAccountSeqs), visible to the roles that see operator.*.
    bool useRealRecorder() override { return false; }
    void prepareDatabase() override {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        // The shared audit schema (docs: schema notes).
        ASSERT_TRUE(
            (*db)
                ->exec(
                    "CREATE TABLE audit_events(seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
                    " type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT NULL,"
                    " payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
                    "CREATE TABLE audit_checkpoints(tree_size INTEGER PRIMARY KEY, head_hash BLOB "
                    "NOT "
                    "NULL, time_us INTEGER NOT NULL, signature BLOB NOT NULL);"
                    "INSERT INTO audit_checkpoints VALUES(3, x'0a0b', 99, x'cafe');")
                .ok());
        auto st = (*db)->prepare(
            "INSERT INTO audit_events VALUES(?1, ?2, ?3, 'door:d1', 's', ?4,"
            " x'00', ?5)");
        ASSERT_TRUE(st.ok());
        for (int seq = 1; seq <= static_cast<int>(kTypes.size()); ++seq) {
            const std::string hash(1, static_cast<char>(seq));
            st->bind(1, std::int64_t{seq})
                .bind(2, std::int64_t{seq * 1000})
                .bind(3, kTypes[seq - 1])
                .bind(4, std::string_view(seq == 3 ? "not json" : R"({"door":"d1"})"))
                .bindBlob(5, hash.data(), hash.size());
            ASSERT_TRUE(st->run().ok());
            st->reset();
        }
    }
    void addServices(ConsoleServer& server) override { server.addService(alarms_); }

    // seq 1..9; "access." and "alarm." are admitted by the alarm service's rules.
    static constexpr std::array<const char*, 9> kTypes = {
        "access.granted",   "operator.login",  "access.granted",
        "daemon.started",   "access.denied",   "mqtt.bad_payload",
        "audit.checkpoint", "weird.unclaimed", "accessory.x"};

    std::vector<std::int64_t> seqsFor(Role role, const std::string& query = "") {
        const Reply r = request(http::verb::get, "/api/events" + query, "", loginAs(role));
        EXPECT_EQ(r.status, 200u) << r.body;
        std::vector<std::int64_t> out;
        const auto body = r.json();
        for (const auto& e : body["events"]) {
            out.push_back(e["seq"].get<std::int64_t>());
        }
        return out;
    }

    AlarmTestService alarms_;
};

TEST_F(ConsoleQueries, EventsAreNewestFirstAndLimited) {
    const std::string cookie = loginAs(Role::deskOperator);
    auto j = request(http::verb::get, "/api/events?limit=3", "", cookie).json();
    ASSERT_EQ(j["events"].size(), 3u);
    EXPECT_EQ(j["events"][0]["seq"], 6);
    EXPECT_EQ(j["events"][0]["type"], "mqtt.bad_payload");
    EXPECT_EQ(j["events"][0]["hash"], "06");
    EXPECT_EQ(j["events"][0]["payload"]["door"], "d1");
    EXPECT_EQ(j["events"][1]["seq"], 5);
    EXPECT_EQ(j["events"][2]["seq"], 4);
    // A payload that is not JSON still arrives as an object.
    j = request(http::verb::get, "/api/events", "", cookie).json();
    ASSERT_EQ(j["events"].size(), 5u);
    EXPECT_EQ(j["events"][3]["payload"]["unparsed"], "not json");
}

TEST_F(ConsoleQueries, HistoryHoldsOnlyTheTypesTheRoleMaySee) {
    using Seqs = std::vector<std::int64_t>;
    // operator: access.* and alarm.* (the service), daemon.*, mqtt.*; not other operators'
    // logins, not the audit trail's own events.
    EXPECT_EQ(seqsFor(Role::deskOperator), (Seqs{6, 5, 4, 3, 1}));
    // auditor: operator.*, audit.*, daemon.*, mqtt.*; the service admits it to nothing.
    EXPECT_EQ(seqsFor(Role::auditor), (Seqs{14, 13, 12, 11, 10, 7, 6, 4, 2}));
    EXPECT_EQ(seqsFor(Role::securityAdmin), (Seqs{14, 13, 12, 11, 10, 7, 6, 5, 4, 3, 2, 1}));
    EXPECT_EQ(seqsFor(Role::auditor, "?limit=2"), (Seqs{14, 13}));
    // No list holds 8 (no rule admits its type) or 9 ("accessory.x" does not start with
    // "access.").
}

TEST_F(ConsoleQueries, CheckpointsAreHex) {
    const std::string cookie = loginAs(Role::auditor);
    auto j = request(http::verb::get, "/api/audit/checkpoints", "", cookie).json();
    ASSERT_EQ(j["checkpoints"].size(), 1u);
    EXPECT_EQ(j["checkpoints"][0]["tree_size"], 3);
    EXPECT_EQ(j["checkpoints"][0]["head_hash"], "0a0b");
    EXPECT_EQ(j["checkpoints"][0]["signature"], "cafe");
}

// Before other components made their tables (a fresh store) the lists are empty, not errors.
TEST(ConsoleQueriesWithoutTables, ListsAreEmptyBeforeOtherComponentsCreateTheirTables) {
    const std::string dir = makeTempDir("queries");
    {
        auto db = core::Database::open(dir + "/site.db");
        ASSERT_TRUE(db.ok());
        auto events = searchEvents(**db, EventFilter{}, {"operator.", "access."});
        ASSERT_TRUE(events.ok()) << events.error().message;
        EXPECT_EQ(events->events, nlohmann::json::array());
        EXPECT_FALSE(events->next);
        auto checkpoints = auditCheckpoints(**db, 10);
        ASSERT_TRUE(checkpoints.ok()) << checkpoints.error().message;
        EXPECT_EQ(*checkpoints, nlohmann::json::array());
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sekimori::console::testing
