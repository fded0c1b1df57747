// History and enrolment data the console reads from other components' tables.
#include "console_fixture.hpp"
#include "core/crypto.hpp"

namespace sekimori::console::testing {
namespace {

class ConsoleQueries : public ConsoleFixture {
  protected:
    void prepareDatabase() override {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        // The shared audit schema (docs: schema notes) and the doors credential tables.
        ASSERT_TRUE(
            (*db)
                ->exec(
                    "CREATE TABLE audit_events(seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
                    " type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT NULL,"
                    " payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
                    "CREATE TABLE audit_checkpoints(tree_size INTEGER PRIMARY KEY, head_hash BLOB "
                    "NOT "
                    "NULL, time_us INTEGER NOT NULL, signature BLOB NOT NULL);"
                    "CREATE TABLE door_people(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
                    " active INTEGER NOT NULL DEFAULT 1);"
                    "CREATE TABLE door_cards(uid TEXT PRIMARY KEY, person TEXT NOT NULL, state "
                    "TEXT);"
                    "CREATE TABLE door_pins(person TEXT PRIMARY KEY, hash BLOB NOT NULL);"
                    "INSERT INTO door_people VALUES('p-sato','Sato',1),('p-kato','Kato',0);"
                    "INSERT INTO door_cards VALUES('04a1b2','p-sato','active'),('04ffff','p-sato',"
                    "'revoked');"
                    "INSERT INTO door_pins VALUES('p-sato', x'00112233');"
                    "INSERT INTO audit_checkpoints VALUES(3, x'0a0b', 99, x'cafe');")
                .ok());
        auto st = (*db)->prepare(
            "INSERT INTO audit_events VALUES(?1, ?2, ?3, 'door:d1', 's', ?4,"
            " x'00', ?5)");
        ASSERT_TRUE(st.ok());
        for (int seq = 1; seq <= 5; ++seq) {
            const std::string hash(1, static_cast<char>(seq));
            st->bind(1, std::int64_t{seq})
                .bind(2, std::int64_t{seq * 1000})
                .bind(3, seq == 5 ? "access.denied" : "access.granted")
                .bind(4, std::string_view(seq == 3 ? "not json" : R"({"door":"d1"})"))
                .bindBlob(5, hash.data(), hash.size());
            ASSERT_TRUE(st->run().ok());
            st->reset();
        }
    }
};

TEST_F(ConsoleQueries, EventsAreNewestFirstAndLimited) {
    const std::string cookie = loginAs(Role::deskOperator);
    auto j = request(http::verb::get, "/api/events?limit=3", "", cookie).json();
    ASSERT_EQ(j["events"].size(), 3u);
    EXPECT_EQ(j["events"][0]["seq"], 5);
    EXPECT_EQ(j["events"][0]["type"], "access.denied");
    EXPECT_EQ(j["events"][0]["hash"], "05");
    EXPECT_EQ(j["events"][0]["payload"]["door"], "d1");
    EXPECT_EQ(j["events"][2]["seq"], 3);
    // A payload that is not JSON still arrives as an object.
    EXPECT_EQ(j["events"][2]["payload"]["unparsed"], "not json");
    EXPECT_EQ(request(http::verb::get, "/api/events", "", cookie).json()["events"].size(), 5u);
}

TEST_F(ConsoleQueries, PeopleListCardsButNoSecrets) {
    const std::string cookie = loginAs(Role::facilityAdmin);
    const Reply r = request(http::verb::get, "/api/people", "", cookie);
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto people = r.json()["people"];
    ASSERT_EQ(people.size(), 2u);
    EXPECT_EQ(people[0]["id"], "p-kato");
    EXPECT_EQ(people[0]["active"], false);
    EXPECT_EQ(people[1]["cards"].size(), 2u);
    EXPECT_EQ(people[1]["cards"][0]["uid"], "04a1b2");
    EXPECT_EQ(r.body.find("00112233"), std::string::npos);
    EXPECT_EQ(r.body.find("hash"), std::string::npos);
}

TEST_F(ConsoleQueries, CheckpointsAreHex) {
    const std::string cookie = loginAs(Role::auditor);
    auto j = request(http::verb::get, "/api/audit/checkpoints", "", cookie).json();
    ASSERT_EQ(j["checkpoints"].size(), 1u);
    EXPECT_EQ(j["checkpoints"][0]["tree_size"], 3);
    EXPECT_EQ(j["checkpoints"][0]["head_hash"], "0a0b");
    EXPECT_EQ(j["checkpoints"][0]["signature"], "cafe");
}

using ConsoleWithoutTables = ConsoleFixture;

TEST_F(ConsoleWithoutTables, ListsAreEmptyBeforeOtherComponentsCreateTheirTables) {
    EXPECT_EQ(request(http::verb::get, "/api/events", "", loginAs(Role::auditor)).json(),
              nlohmann::json::parse(R"({"events": []})"));
    EXPECT_EQ(request(http::verb::get, "/api/people", "", loginAs(Role::facilityAdmin)).json(),
              nlohmann::json::parse(R"({"people": []})"));
    EXPECT_EQ(request(http::verb::get, "/api/audit/checkpoints", "", loginAs(Role::auditor)).json(),
              nlohmann::json::parse(R"({"checkpoints": []})"));
}

}  // namespace
}  // namespace sekimori::console::testing
