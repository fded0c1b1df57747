// The doors service against rows changed behind its back: a credential row whose digest does not
// match the trail is left out of what the doors decide from, and credential.row_mismatch is
// raised for it once (recorded, on the site's error topic). Real AuditedRecorder, the real
// router on a simulated broker; no door is configured, so nothing here depends on the panel link.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <tuple>

#include "core/audited_recorder.hpp"
#include "doors/door_event_types.hpp"
#include "doors/doors_service.hpp"
#include "io/mqtt_router.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "protocol/topics.hpp"
#include "tests/doors/enroll_helpers.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

const std::string kSite = "hq";

class CredentialIntegrityTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        dir_ = std::filesystem::temp_directory_path() / ("doors-integrity-" + core::randomToken(6));
        std::filesystem::create_directories(dir_);
        dbPath_ = (dir_ / "site.db").string();
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db);
        admin_ = std::move(*db);  // the database administrator's own connection
        ASSERT_TRUE(CredentialStore::open(*admin_));
        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "audit-signing.key").string();
        auto writer = core::Database::open(dbPath_);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.get_executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        busToken_ = bus_.subscribe(
            kCredentialRowMismatch.name,
            [this](const core::RecordedEvent& e) { mismatches_.push_back(e.event); });
        enrollAliceAndBob();

        io::MqttOptions daemon;
        daemon.clientId = "sekimorid";
        link_ = broker_.makeLink(daemon);
        router_ = std::make_unique<io::MqttRouter>(*link_);
        io::MqttOptions desk;
        desk.clientId = "desk";
        desk.subscriptions = {protocol::errorTopic(kSite)};
        deskLink_ = broker_.makeLink(desk);
        deskLink_->onMessage([this](const io::MqttMessage& m) {
            errors_.push_back(nlohmann::json::parse(m.payload));
        });
        link_->start();
        deskLink_->start();
        ASSERT_TRUE(runUntil([&] { return link_->connected() && deskLink_->connected(); }));

        DoorKeys keys;
        keys.pepper = pepper_;
        keys.templateKey = templateKey_;
        DoorsServiceParts parts{
            io_.get_executor(), *router_, *recorder_, bus_, clock_, kSite, dbPath_,
            DoorsConfig{},      {},       DoorKeys{}};
        parts.keys = std::move(keys);
        parts.names = names();
        auto made = DoorsService::create(std::move(parts));
        ASSERT_TRUE(made) << made.error().message;
        service_ = std::move(*made);
        ASSERT_TRUE(service_->start());
        ASSERT_TRUE(runUntil([&] { return service_->serving(); }));
    }
    void TearDown() override {
        service_->stop();
        service_.reset();
        link_->stop();
        deskLink_->stop();
        router_.reset();
        recorder_->stop();
        io_.restart();
        io_.poll();
        std::filesystem::remove_all(dir_);
    }

    static KnownNames names() { return {{"server-room"}, {"office"}, {}}; }

    void enrollAliceAndBob() {
        auto r = test::enrollThrough(
            *recorder_, clock_, {pepper_, templateKey_}, names(),
            [](Enrollment& e) -> Enrollment::Events {
                std::vector<core::Event> all;
                for (const auto& [id, card] : {std::pair{"alice", "AAAAAAAA00000001"},
                                               std::pair{"bob", "BBBBBBBB00000001"}}) {
                    for (auto step :
                         {e.addPerson(id, id), e.setCard(id, card), e.setPin(id, "1234"),
                          e.grantZone(id, "server-room", "office")}) {
                        if (!step) {
                            return step.error();
                        }
                        all.insert(all.end(), step->begin(), step->end());
                    }
                }
                return all;
            });
        ASSERT_TRUE(r) << r.error().message;
    }

    bool runUntil(const std::function<bool()>& done, int maxMs = 3000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(maxMs);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            io_.restart();
            io_.run_for(std::chrono::milliseconds(1));
        }
        return true;
    }
    std::size_t mismatchesOf(const std::string& table) const {
        std::size_t n = 0;
        for (const auto& e : mismatches_) {
            n += nlohmann::json::parse(e.payload).at("table") == table ? 1 : 0;
        }
        return n;
    }

    boost::asio::io_context io_;
    io::SimulatedMqttBroker broker_{io_.get_executor()};
    core::ManualClock clock_;
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::Database> admin_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    core::EventBus::Token busToken_;
    std::vector<core::Event> mismatches_;
    std::vector<nlohmann::json> errors_;
    std::unique_ptr<io::MqttLink> link_;
    std::unique_ptr<io::MqttRouter> router_;
    std::unique_ptr<io::MqttLink> deskLink_;
    std::unique_ptr<DoorsService> service_;
    core::Bytes pepper_ = core::randomBytes(32);
    core::Bytes templateKey_ = core::randomBytes(32);
};

TEST_F(CredentialIntegrityTest, AnUntouchedSiteRaisesNothing) {
    runUntil([] { return false; }, 50);
    EXPECT_TRUE(mismatches_.empty());
    EXPECT_TRUE(errors_.empty());
}

TEST_F(CredentialIntegrityTest, SwappedCardsAreRaisedOnceEachOnTheErrorTopicAndInTheTrail) {
    ASSERT_TRUE(admin_->exec(
        "UPDATE door_cards SET person = CASE person WHEN 'alice' THEN 'bob' ELSE 'alice' END"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_cards") == 2; }));
    ASSERT_TRUE(runUntil([&] { return errors_.size() == 2; }));
    for (const auto& error : errors_) {
        EXPECT_EQ(error["type"], "credential.row_mismatch");
        EXPECT_EQ(error["table"], "door_cards");
        EXPECT_EQ(error["kind"], "differs");
        EXPECT_GT(error["named_at_seq"].get<std::uint64_t>(), 0U);
    }
    const auto& first = mismatches_.front();
    EXPECT_EQ(first.source, "doors");
    EXPECT_EQ(first.subject, "") << "a refused card's holder is not trusted as the subject";

    // A later, unrelated tampering reloads the snapshot: the cards are not raised again.
    ASSERT_TRUE(admin_->exec("UPDATE door_zone_grants SET schedule = 'x' WHERE person = 'bob'"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_zone_grants") == 1; }));
    runUntil([] { return false; }, 50);
    EXPECT_EQ(mismatchesOf("door_cards"), 2U);
    EXPECT_EQ(mismatches_.back().subject, "bob");
}

TEST_F(CredentialIntegrityTest, AnInsertedCardIsRaisedAsUnnamed) {
    ASSERT_TRUE(admin_->exec(
        "INSERT INTO door_cards(uid, person, state) VALUES('EEEEEEEE00000001', 'bob', 'active')"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_cards") == 1; }));
    const auto payload = nlohmann::json::parse(mismatches_.front().payload);
    EXPECT_EQ(payload["kind"], "unnamed");
    EXPECT_EQ(payload["key"], (nlohmann::json{"EEEEEEEE00000001"}));
    EXPECT_EQ(payload["named_at_seq"], 0);
}

// The incremental path (doors/credential_journal): the same refusals, raised once each.
TEST_F(CredentialIntegrityTest, AnEditWithItsJournalTriggerDroppedIsRaisedOnce) {
    ASSERT_TRUE(
        admin_->exec("DROP TRIGGER door_pins_UPDATE_journal;"
                     "UPDATE door_pins SET hash = (SELECT hash FROM door_pins WHERE person = 'bob')"
                     " WHERE person = 'alice'"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_pins") == 1; }));
    EXPECT_EQ(mismatches_.back().subject, "alice");
    // A later unrelated edit (now reloaded in full every time) does not raise the PIN again.
    ASSERT_TRUE(admin_->exec("UPDATE door_zone_grants SET schedule = 'x' WHERE person = 'bob'"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_zone_grants") == 1; }));
    runUntil([] { return false; }, 50);
    EXPECT_EQ(mismatchesOf("door_pins"), 1U);
}

TEST_F(CredentialIntegrityTest, AnEditWhoseJournalRowsWereDeletedIsRaised) {
    ASSERT_TRUE(
        admin_->exec("BEGIN;"
                     "UPDATE door_cards SET person = 'alice' WHERE uid = 'BBBBBBBB00000001';"
                     "DELETE FROM door_change_journal WHERE seq > (SELECT max(seq) - 2"
                     " FROM door_change_journal);"
                     "COMMIT"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_cards") == 1; }));
    const auto payload = nlohmann::json::parse(mismatches_.back().payload);
    EXPECT_EQ(payload["key"], (nlohmann::json{"BBBBBBBB00000001"}));
    EXPECT_EQ(payload["kind"], "differs");
}

TEST_F(CredentialIntegrityTest, AnEditedPersonDetailsRowIsRaised) {
    ASSERT_TRUE(admin_->exec(
        "INSERT INTO door_person_details(person, organisation, valid_from_us, valid_until_us,"
        " escort_required) VALUES('bob', 'Mallory Inc', 0, 0, 0)"));
    ASSERT_TRUE(runUntil([&] { return mismatchesOf("door_person_details") == 1; }));
    EXPECT_EQ(mismatches_.back().subject, "bob");
    EXPECT_EQ(nlohmann::json::parse(mismatches_.back().payload)["kind"], "unnamed");
}

TEST_F(CredentialIntegrityTest, TheServiceServesTheCredentialWriteRoutes) {
    std::set<std::string> patterns;
    for (const auto& r : service_->routes()) {
        patterns.insert(r.pattern);
    }
    for (const char* p :
         {"/api/people", "/api/people/{id}/card", "/api/cards/{uid}", "/api/people/{id}/pin",
          "/api/people/{id}/fingerprint", "/api/people/{id}/grants"}) {
        EXPECT_EQ(patterns.count(p), 1U) << p;
    }
}

}  // namespace
