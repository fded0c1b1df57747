// The daemon's witness link and the witness process's node, in one process on the simulated
// broker with the real AuditedRecorder: checkpoints get cosigned (chunked when large), each
// cosignature is stored through the recorder, the untouched trail verifies with the witness log;
// a history rewritten under the running daemon is refused and recorded; a database rolled back
// with its checkpoint file fails verify only when the witness log is given.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "core/audit_chain.hpp"
#include "core/audit_verify.hpp"
#include "core/audited_recorder.hpp"
#include "core/event_bus.hpp"
#include "io/mqtt_router.hpp"
#include "io/simulated_mqtt_link.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/witness/witness_test_chain.hpp"
#include "witness/witness_link_service.hpp"
#include "witness/witness_log.hpp"
#include "witness/witness_node.hpp"

namespace sekimori::witness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Waits for a condition another thread makes true (bounded; fails the test on time-out).
bool waitFor(const std::function<bool()>& condition, std::chrono::seconds limit = 20s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return condition();
}

std::int64_t countWhere(const std::string& dbPath, const std::string& sql) {
    auto db = core::Database::open(dbPath, core::Database::Mode::readOnly);
    if (!db) {
        return -1;
    }
    auto q = (*db)->prepare(sql);
    if (!q || !q->step()) {
        return -1;
    }
    return q->columnInt(0);
}

class WitnessLinkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        dir_ = test::makeTempDir("sekimori-witness-link");
        dbPath_ = (dir_ / "site.db").string();
        witnessDir_ = dir_ / "witness";
        fs::create_directories(witnessDir_);
        startDaemon();
        startWitness();
    }
    void TearDown() override {
        stopAll();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void startDaemon() {
        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "keys" / "audit-signing.key").string();
        options.checkpointFile = dbPath_ + ".checkpoints";
        options.checkpointInterval = 20ms;
        options.pollInterval = 10ms;
        auto writer = core::Database::open(dbPath_);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db);
        ASSERT_TRUE(migrateCosignatureTable(**db));
        ASSERT_TRUE(core::publishPublicKeyBeside(
            options.checkpointFile,
            *core::readPublicKeyFile(core::publicKeyPathFor(options.signingKeyPath))));
        io::MqttOptions mqtt;
        mqtt.clientId = mqtt.username = "sekimorid";
        daemonLink_ = broker_.makeLink(mqtt);
        io_.run([&] {
            daemonRouter_ = std::make_unique<io::MqttRouter>(*daemonLink_);
            daemonLink_->start();
        });
    }

    void startWitness() {
        auto signer = core::CosignatureSigner::loadOrCreate((witnessDir_ / "witness.key").string());
        ASSERT_TRUE(signer) << signer.error().message;
        witnessKey_ = signer->publicKey();
        WitnessNodeOptions options;
        options.witnessId = "w1";
        options.site = "s1";
        options.controllerPublicKey =
            *core::readPublicKeyFile((dir_ / "keys" / "audit-signing.pub").string());
        options.logPath = (witnessDir_ / "witness.log").string();
        options.statePath = (witnessDir_ / "state.json").string();
        io::MqttOptions mqtt;
        mqtt.clientId = mqtt.username = "w1";
        witnessLink_ = broker_.makeLink(mqtt);
        io_.run([&] {
            witnessRouter_ = std::make_unique<io::MqttRouter>(*witnessLink_);
            auto node = WitnessNode::create(*witnessRouter_, clock_, std::move(*signer), options);
            ASSERT_TRUE(node) << node.error().message;
            node_ = std::move(*node);
            node_->start();
            witnessLink_->start();
        });
    }

    void startLink(std::size_t budget, std::chrono::seconds silentAfter = 30s) {
        WitnessLinkParts parts{io_.executor(),
                               *daemonRouter_,
                               *recorder_,
                               clock_,
                               "s1",
                               dbPath_,
                               (dir_ / "keys" / "audit-signing.key").string(),
                               {LinkedWitness{WitnessConfig{"w1", "", silentAfter}, witnessKey_}}};
        parts.tickInterval = 20ms;
        parts.retryAfterRefusal = 50ms;
        parts.submitBudget = budget;
        auto service = WitnessLinkService::create(std::move(parts));
        ASSERT_TRUE(service) << service.error().message;
        service_ = std::move(*service);
        io_.run([&] { ASSERT_TRUE(service_->start()); });
    }

    void stopAll() {
        io_.run([&] {
            if (service_) {
                service_->stop();
            }
            if (node_) {
                node_->stop();
            }
        });
        if (recorder_) {
            recorder_->stop();
        }
        io_.run([&] {
            if (daemonLink_) {
                daemonLink_->stop();
            }
            if (witnessLink_) {
                witnessLink_->stop();
            }
        });
        io_.run([&] {
            service_.reset();
            node_.reset();
            daemonRouter_.reset();
            witnessRouter_.reset();
        });
        recorder_.reset();
    }

    void recordEvents(int count, const std::string& payloadFiller = "") {
        for (int i = 0; i < count; ++i) {
            recorder_->record(
                core::Event{0, "door.opened", "door:d1", "",
                            R"({"i":)" + std::to_string(i) + R"(,"f":")" + payloadFiller + "\"}"});
        }
        ASSERT_TRUE(recorder_->flush());
    }

    std::uint64_t witnessSize() {
        return io_.run([&] { return node_->state().treeSize; });
    }
    std::uint64_t cosignedCount() {
        return io_.run([&] { return node_->cosignedCount(); });
    }

    core::AuditVerifyOptions verifyOptions(bool withWitness) const {
        core::AuditVerifyOptions o;
        o.dbPath = dbPath_;
        o.publicKeyFile = (dir_ / "keys" / "audit-signing.pub").string();
        if (withWitness) {
            o.witnesses.push_back(
                {(witnessDir_ / "witness.pub").string(), (witnessDir_ / "witness.log").string()});
        }
        return o;
    }

    static std::string findingsText(const core::AuditVerifyReport& report) {
        std::string text;
        for (const auto& f : report.findings) {
            text += f.message + "\n";
        }
        return text;
    }

    sekimori::test::IoThread io_;
    core::SystemClock clock_;
    core::EventBus bus_;
    io::SimulatedMqttBroker broker_{io_.executor()};
    fs::path dir_;
    fs::path witnessDir_;
    std::string dbPath_;
    core::Bytes witnessKey_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    std::unique_ptr<io::MqttLink> daemonLink_;
    std::unique_ptr<io::MqttLink> witnessLink_;
    std::unique_ptr<io::MqttRouter> daemonRouter_;
    std::unique_ptr<io::MqttRouter> witnessRouter_;
    std::unique_ptr<WitnessNode> node_;
    std::unique_ptr<WitnessLinkService> service_;
};

TEST_F(WitnessLinkTest, CosignsEveryCheckpointInChunksAndTheUntouchedTrailVerifies) {
    recordEvents(300, std::string(200, 'x'));  // ~75 KiB of events
    startLink(16 * 1024);                      // so at least five submits
    ASSERT_TRUE(waitFor([&] { return witnessSize() >= 300; })) << witnessSize();
    EXPECT_GE(cosignedCount(), 5u);
    // Each cosignature is stored through the recorder: a row and an audit.cosigned event.
    ASSERT_TRUE(waitFor([&] {
        return countWhere(dbPath_, "SELECT count(*) FROM witness_cosignatures") ==
               static_cast<std::int64_t>(cosignedCount());
    }));
    EXPECT_EQ(
        countWhere(dbPath_, "SELECT count(*) FROM audit_events WHERE type = 'audit.cosigned'"),
        countWhere(dbPath_, "SELECT count(*) FROM witness_cosignatures"));
    // The cosignatures' own events do not start a cycle of new checkpoints to cosign.
    const std::uint64_t settled = cosignedCount();
    recordEvents(1);
    ASSERT_TRUE(waitFor([&] { return cosignedCount() == settled + 1; }));
    std::this_thread::sleep_for(200ms);  // ten ticks: long enough to see a cycle if there were one
    EXPECT_EQ(cosignedCount(), settled + 1);

    auto log = readWitnessLog((witnessDir_ / "witness.log").string());
    ASSERT_TRUE(log);
    EXPECT_EQ(log->size(), cosignedCount());
    ASSERT_TRUE(recorder_->flush());
    auto report = core::verifyAudit(verifyOptions(true));
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->intact()) << findingsText(*report);
    EXPECT_EQ(
        countWhere(dbPath_, "SELECT count(*) FROM audit_events WHERE type LIKE 'audit.witness_%'"),
        0);
}

TEST_F(WitnessLinkTest, RefusesAHistoryRewrittenUnderTheRunningDaemon) {
    startLink(protocol::kMaxWitnessSubmitBytes);
    recordEvents(20);
    ASSERT_TRUE(waitFor([&] { return witnessSize() >= 20; }));
    // Root on the controller host rewrites event 5 and recomputes every hash after it; the
    // running daemon then signs the forged head at its next checkpoint.
    {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->exec("BEGIN IMMEDIATE"));
        auto rows = (*db)->prepare(
            "SELECT seq, time_us, type, source, subject, payload FROM audit_events ORDER BY seq");
        ASSERT_TRUE(rows);
        std::vector<std::pair<std::uint64_t, core::Event>> events;
        while (*rows->step()) {
            events.push_back(
                {static_cast<std::uint64_t>(rows->columnInt(0)),
                 core::Event{rows->columnInt(1), rows->columnText(2), rows->columnText(3),
                             rows->columnText(4), rows->columnText(5)}});
        }
        core::Hash prev{};
        for (auto& [seq, e] : events) {
            if (seq == 5) {
                e.payload = R"({"i":4,"f":"forged"})";
            }
            const core::Hash h = core::auditEventHash(seq, e, prev);
            auto update = (*db)->prepare(
                "UPDATE audit_events SET payload = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4");
            ASSERT_TRUE(update);
            update->bind(1, e.payload)
                .bindBlob(2, prev.data(), prev.size())
                .bindBlob(3, h.data(), h.size())
                .bind(4, static_cast<std::int64_t>(seq));
            ASSERT_TRUE(update->run());
            prev = h;
        }
        ASSERT_TRUE((*db)->exec("DELETE FROM audit_checkpoints"));
        ASSERT_TRUE((*db)->exec("COMMIT"));
    }
    const std::uint64_t before = witnessSize();
    recordEvents(3);  // the daemon signs the forged head
    ASSERT_TRUE(waitFor([&] {
        return countWhere(dbPath_,
                          "SELECT count(*) FROM audit_events WHERE type = "
                          "'audit.witness_refused' AND payload LIKE '%not_extending%'") == 1;
    }));
    EXPECT_EQ(witnessSize(), before);
    EXPECT_GE(io_.run([&] { return node_->refusedCount(); }), 1u);
    // The error topic heard it too.
    bool published = false;
    for (const auto& m : broker_.accepted()) {
        published = published || (m.topic == "sekimori/s1/error" &&
                                  m.payload.find("audit.witness_refused") != std::string::npos);
    }
    EXPECT_TRUE(published);
    ASSERT_TRUE(recorder_->flush());
    auto report = core::verifyAudit(verifyOptions(true));
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report->intact());
    EXPECT_NE(findingsText(*report).find("diverges from the witness"), std::string::npos)
        << findingsText(*report);
}

TEST_F(WitnessLinkTest, ADatabaseRolledBackWithItsCheckpointFileIsBehindTheWitness) {
    startLink(protocol::kMaxWitnessSubmitBytes);
    recordEvents(10);
    ASSERT_TRUE(waitFor([&] { return witnessSize() >= 10; }));
    stopAll();
    const fs::path saved = dir_ / "saved";
    fs::create_directories(saved);
    for (const char* f : {"site.db", "site.db.checkpoints"}) {
        fs::copy_file(dir_ / f, saved / f);
    }
    startDaemon();
    startWitness();
    startLink(protocol::kMaxWitnessSubmitBytes);
    recordEvents(10);
    ASSERT_TRUE(waitFor([&] { return witnessSize() >= 21; })) << witnessSize();
    stopAll();
    for (const char* f : {"site.db", "site.db.checkpoints"}) {
        fs::copy_file(saved / f, dir_ / f, fs::copy_options::overwrite_existing);
    }
    fs::remove(dir_ / "site.db-wal");
    fs::remove(dir_ / "site.db-shm");

    auto alone = core::verifyAudit(verifyOptions(false));
    ASSERT_TRUE(alone) << alone.error().message;
    EXPECT_TRUE(alone->intact()) << "without the witness the old copy looks fine: "
                                 << findingsText(*alone);
    auto report = core::verifyAudit(verifyOptions(true));
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report->intact());
    EXPECT_NE(findingsText(*report).find("behind the witness"), std::string::npos)
        << findingsText(*report);
}

TEST_F(WitnessLinkTest, AWitnessThatSaysNothingIsRecordedAsSilentOnceThenCaughtUp) {
    io_.run([&] { broker_.dropClient("w1"); });  // the witness is down when the link starts
    recordEvents(5);
    startLink(protocol::kMaxWitnessSubmitBytes, 1s);
    const std::string silent =
        "SELECT count(*) FROM audit_events WHERE type = 'audit.witness_silent'";
    ASSERT_TRUE(waitFor([&] { return countWhere(dbPath_, silent) == 1; }));
    io_.run([&] { broker_.restoreClient("w1"); });
    ASSERT_TRUE(waitFor([&] { return witnessSize() >= 5; }));
    ASSERT_TRUE(waitFor([&] {
        return countWhere(dbPath_,
                          "SELECT count(*) FROM audit_events WHERE type = 'audit.cosigned'") >= 1;
    }));
    EXPECT_EQ(countWhere(dbPath_, silent), 1);
}

TEST_F(WitnessLinkTest, AnEmptyOrForeignWitnessLogCoversNothing) {
    recordEvents(3);
    ASSERT_TRUE(waitFor([&] {
        auto c = recorder_->lastCheckpoint();
        return c && c->treeSize >= 3;
    }));
    { std::ofstream((witnessDir_ / "witness.log").string()).flush(); }
    auto report = core::verifyAudit(verifyOptions(true));
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_NE(findingsText(*report).find("not covered"), std::string::npos);

    // A log cosigned by another key (a witness the auditor did not pin).
    test::TestChain other;
    auto signer = core::CosignatureSigner::loadOrCreate((other.dir / "w.key").string());
    ASSERT_TRUE(signer);
    core::WitnessLogEntry entry;
    entry.cosignature = signer->sign("w1", "s1", 1, core::Hash{}, 1, 2);
    entry.checkpointSignature = core::Bytes(64, '\0');
    ASSERT_TRUE(appendWitnessLog((witnessDir_ / "witness.log").string(), entry));
    report = core::verifyAudit(verifyOptions(true));
    ASSERT_TRUE(report);
    EXPECT_NE(findingsText(*report).find("does not verify under the witness key"),
              std::string::npos)
        << findingsText(*report);
}

}  // namespace
}  // namespace sekimori::witness
