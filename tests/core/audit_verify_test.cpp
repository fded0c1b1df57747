#include "core/audit_verify.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "audit_test_support.hpp"
#include "core/audited_recorder.hpp"

using namespace sekimori::core;
using namespace std::chrono_literals;
using sekimori::core::testing::runUntil;
using sekimori::core::testing::sampleEvent;
using sekimori::core::testing::TempDir;

namespace {

constexpr int kEvents = 120;

// A trail of kEvents events with checkpoints at 40, 80 and 120 (clean shutdown).
class AuditVerifyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        boost::asio::io_context io;
        EventBus bus;
        AuditedRecorderOptions o;
        o.signingKeyPath = dir_.file("audit-signing.key");
        o.pollInterval = 2ms;
        auto db = Database::open(dbPath_);
        ASSERT_TRUE(db);
        auto recorder = AuditedRecorder::create(std::move(*db), io.get_executor(), bus, clock_, o);
        ASSERT_TRUE(recorder) << recorder.error().message;
        for (int i = 1; i <= kEvents; ++i) {
            clock_.advanceMs(10);
            (*recorder)->record(sampleEvent(i));
            if (i % 40 == 0 && i != kEvents) {
                ASSERT_TRUE((*recorder)->flush());
                clock_.advanceMs(1000);
                const auto deadline = std::chrono::steady_clock::now() + 5s;
                while ((!(*recorder)->lastCheckpoint() ||
                        (*recorder)->lastCheckpoint()->treeSize != static_cast<unsigned>(i)) &&
                       std::chrono::steady_clock::now() < deadline) {
                    std::this_thread::sleep_for(1ms);
                }
            }
        }
        (*recorder)->stop();
        auto reopened = Database::open(dbPath_);
        ASSERT_TRUE(reopened);
        db_ = std::move(reopened.value());
    }

    AuditVerifyReport verify(bool requireCovered = false) {
        AuditVerifyOptions v;
        v.dbPath = dbPath_;
        v.nowUs = clock_.nowUs();
        v.requireCovered = requireCovered;
        auto r = verifyAudit(v);
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : AuditVerifyReport{};
    }
    void exec(const std::string& sql) { ASSERT_TRUE(db_->exec(sql)) << sql; }
    // Appends a forged event with a correctly recomputed hash after the current tail.
    void forgeTail(TimeUs timeUs) {
        auto head = readChainHead(*db_);
        ASSERT_TRUE(head);
        Event e = sampleEvent(999, timeUs);
        const Hash h = auditEventHash(head->seq + 1, e, head->hash);
        auto insert = db_->prepare("INSERT INTO audit_events VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
        ASSERT_TRUE(insert);
        insert->bind(1, static_cast<std::int64_t>(head->seq + 1))
            .bind(2, std::int64_t{e.timeUs})
            .bind(3, e.type)
            .bind(4, e.source)
            .bind(5, e.subject)
            .bind(6, e.payload)
            .bindBlob(7, head->hash.data(), 32)
            .bindBlob(8, h.data(), 32);
        ASSERT_TRUE(insert->run());
    }

    TempDir dir_;
    std::string dbPath_ = dir_.file("site.db");
    ManualClock clock_;
    std::unique_ptr<Database> db_;
};

}  // namespace

TEST_F(AuditVerifyTest, IntactTrailPasses) {
    auto r = verify(true);
    EXPECT_TRUE(r.intact()) << (r.findings.empty() ? "" : r.findings[0].message);
    EXPECT_EQ(r.eventCount, static_cast<unsigned>(kEvents));
    EXPECT_EQ(r.coveredSize, static_cast<unsigned>(kEvents));
    EXPECT_GE(r.checkpointCount, 3u);
}

TEST_F(AuditVerifyTest, EditedPayloadNamesItsSeq) {
    exec("UPDATE audit_events SET payload = '{\"door\":\"lobby\"}' WHERE seq = 57");
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBadSeq(), 57u);
}

TEST_F(AuditVerifyTest, DeletedRowIsFound) {
    exec("DELETE FROM audit_events WHERE seq = 30");
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBadSeq(), 30u);
}

TEST_F(AuditVerifyTest, TruncatedTailIsFound) {
    exec("DELETE FROM audit_events WHERE seq > 100");
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBadSeq(), 101u);
}

TEST_F(AuditVerifyTest, TruncatedTailAndCheckpointRowsAreStillFoundFromTheFile) {
    exec("DELETE FROM audit_events WHERE seq > 100");
    exec("DELETE FROM audit_checkpoints WHERE tree_size > 100");
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_LE(*r.firstBadSeq(), 101u);
}

TEST_F(AuditVerifyTest, FullyRehashedRewriteIsCaughtByTheCheckpoints) {
    // The forger edits seq 50 and recomputes every hash after it.
    exec("UPDATE audit_events SET subject = 'p-forged' WHERE seq = 50");
    Hash prev{};
    auto rows = db_->prepare(
        "SELECT seq, time_us, type, source, subject, payload FROM "
        "audit_events ORDER BY seq");
    ASSERT_TRUE(rows);
    std::vector<std::pair<std::int64_t, std::pair<Hash, Hash>>> fixes;
    while (true) {
        auto row = rows->step();
        ASSERT_TRUE(row);
        if (!*row) {
            break;
        }
        Event e{rows->columnInt(1), rows->columnText(2), rows->columnText(3), rows->columnText(4),
                rows->columnText(5)};
        const auto seq = rows->columnInt(0);
        const Hash h = auditEventHash(static_cast<std::uint64_t>(seq), e, prev);
        fixes.push_back({seq, {prev, h}});
        prev = h;
    }
    auto update = db_->prepare("UPDATE audit_events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1");
    ASSERT_TRUE(update);
    for (auto& [seq, hashes] : fixes) {
        update->bind(1, std::int64_t{seq}).bindBlob(2, hashes.first.data(), 32);
        update->bindBlob(3, hashes.second.data(), 32);
        ASSERT_TRUE(update->run());
    }
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBadSeq(), 41u);  // after the last checkpoint that still matches (40)
}

TEST_F(AuditVerifyTest, BackdatedForgedTailFails) {
    forgeTail(clock_.nowUs() - 5'000'000);
    auto backdated = verify();
    ASSERT_FALSE(backdated.intact());
    EXPECT_EQ(*backdated.firstBadSeq(), static_cast<unsigned>(kEvents + 1));
}

TEST_F(AuditVerifyTest, UncoveredTailAfterTheNewestCheckpointIsReportedNotHidden) {
    forgeTail(clock_.nowUs() + 1'000'000);
    auto lenient = verify();
    EXPECT_TRUE(lenient.intact());  // indistinguishable from a CLI append: the documented limit
    EXPECT_EQ(lenient.uncoveredCount, 1u);
    auto strict = verify(true);
    ASSERT_FALSE(strict.intact());
    EXPECT_EQ(*strict.firstBadSeq(), static_cast<unsigned>(kEvents + 1));
}

TEST_F(AuditVerifyTest, FarFutureUncoveredEventFails) {
    forgeTail(clock_.nowUs() + 3'600'000'000);
    EXPECT_FALSE(verify().intact());
}

TEST_F(AuditVerifyTest, WrongPublicKeyRejectsEveryCheckpoint) {
    TempDir other;
    auto signer = AuditSigner::loadOrCreate(other.file("audit-signing.key"));
    ASSERT_TRUE(signer);
    AuditVerifyOptions v;
    v.dbPath = dbPath_;
    v.publicKeyFile = other.file("audit-signing.pub");
    auto r = verifyAudit(v);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->intact());
}

TEST_F(AuditVerifyTest, MissingInputsMeanItCannotRun) {
    AuditVerifyOptions v;
    v.dbPath = dir_.file("absent.db");
    EXPECT_FALSE(verifyAudit(v));
    v.dbPath = dbPath_;
    v.checkpointFile = dir_.file("absent.checkpoints");
    EXPECT_FALSE(verifyAudit(v));
    v.checkpointFile.clear();
    v.publicKeyFile = dir_.file("absent.pub");
    EXPECT_FALSE(verifyAudit(v));
}
