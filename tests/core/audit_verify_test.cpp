#include "core/audit_verify.hpp"

#include <gtest/gtest.h>

#include <sodium.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "audit_test_support.hpp"
#include "core/audit_checkpoint.hpp"
#include "core/audit_panel_signatures.hpp"
#include "core/audited_recorder.hpp"
#include "core/row_digest.hpp"

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
        AuditVerifyOptions v = options_;
        v.dbPath = dbPath_;
        v.nowUs = clock_.nowUs();
        v.requireCovered = requireCovered;
        auto r = verifyAudit(v);
        EXPECT_TRUE(r) << r.error().message;
        return r ? *r : AuditVerifyReport{};
    }
    void exec(const std::string& sql) { ASSERT_TRUE(db_->exec(sql)) << sql; }
    // Appends a forged event with a correctly recomputed hash after the current tail.
    void forgeTail(TimeUs timeUs) { forgeEvent(sampleEvent(999, timeUs)); }
    void forgeEvent(const Event& e) {
        auto head = readChainHead(*db_);
        ASSERT_TRUE(head);
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

    bool anyFinding(const AuditVerifyReport& r, const std::string& text) {
        for (const auto& f : r.findings) {
            if (f.message.find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

    TempDir dir_;
    AuditVerifyOptions options_;
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

TEST_F(AuditVerifyTest, NoCheckpointAtAllFails) {
    exec("DELETE FROM audit_checkpoints");
    std::ofstream(dbPath_ + ".checkpoints", std::ios::trunc).close();
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_TRUE(anyFinding(r, "no validly signed checkpoint"));
}

TEST_F(AuditVerifyTest, TimeGoingBackAlongSeqFailsEvenWhenCovered) {
    // Every hash recomputed after seq 100, whose time moves back; checkpoint 120 removed.
    exec("DELETE FROM audit_checkpoints WHERE tree_size > 80");
    std::ifstream in(dbPath_ + ".checkpoints");
    std::string kept, line;
    while (std::getline(in, line)) {
        if (auto c = checkpointFromJson(line); c && c->treeSize <= 80) {
            kept += line + "\n";
        }
    }
    std::ofstream(dbPath_ + ".checkpoints", std::ios::trunc) << kept;
    exec("UPDATE audit_events SET time_us = time_us - 3600000000 WHERE seq = 100");
    Hash prev{};
    auto rows = db_->prepare(
        "SELECT seq, time_us, type, source, subject, payload FROM "
        "audit_events ORDER BY seq");
    ASSERT_TRUE(rows);
    std::vector<std::pair<std::int64_t, Hash>> hashes;
    while (*rows->step()) {
        Event e{rows->columnInt(1), rows->columnText(2), rows->columnText(3), rows->columnText(4),
                rows->columnText(5)};
        const auto seq = static_cast<std::uint64_t>(rows->columnInt(0));
        prev = auditEventHash(seq, e, prev);
        hashes.emplace_back(rows->columnInt(0), prev);
    }
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        auto update =
            db_->prepare("UPDATE audit_events SET prev_hash = ?1, hash = ?2 WHERE seq = ?3");
        ASSERT_TRUE(update);
        const Hash before = i == 0 ? Hash{} : hashes[i - 1].second;
        update->bindBlob(1, before.data(), 32)
            .bindBlob(2, hashes[i].second.data(), 32)
            .bind(3, hashes[i].first);
        ASSERT_TRUE(update->run());
    }
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBadSeq(), 100u);
    EXPECT_TRUE(anyFinding(r, "dated before the event before it"));
}

TEST_F(AuditVerifyTest, EventDatedBeforeTheCheckpointThatPrecedesItFails) {
    auto head = readChainHead(*db_);
    ASSERT_TRUE(head);
    // A heartbeat signed 5 s after the head, then an event dated between the two: not back
    // along seq, but before the checkpoint that precedes it.
    auto signer = AuditSigner::load(dir_.file("audit-signing.key"));
    ASSERT_TRUE(signer);
    const Checkpoint c = signer->sign(head->seq, head->hash, head->timeUs + 5'000'000);
    auto insert = db_->prepare(kInsertCheckpointSql);
    ASSERT_TRUE(insert);
    insert->bind(1, static_cast<std::int64_t>(c.treeSize))
        .bindBlob(2, c.headHash.data(), 32)
        .bind(3, std::int64_t{c.timeUs})
        .bindBlob(4, c.signature.data(), c.signature.size());
    ASSERT_TRUE(insert->run());
    forgeTail(head->timeUs + 1'000'000);
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_EQ(*r.firstBadSeq(), static_cast<unsigned>(kEvents + 1));
    EXPECT_TRUE(anyFinding(r, "that precedes it (backdated)"));
}

TEST_F(AuditVerifyTest, SchemaObjectsTheContractDoesNotListAreFindings) {
    exec("CREATE TRIGGER quiet BEFORE INSERT ON audit_events BEGIN SELECT RAISE(IGNORE); END");
    exec("CREATE INDEX audit_events_by_type ON audit_events(type)");
    auto r = verify();
    ASSERT_FALSE(r.intact());
    EXPECT_TRUE(anyFinding(r, "trigger quiet on audit_events"));
    EXPECT_TRUE(anyFinding(r, "index audit_events_by_type"));
}

TEST_F(AuditVerifyTest, EveryRowDigestMismatchIsAFinding) {
    const AuditedTable cards{"cards", {"uid"}};
    options_.auditedTables = {cards, AuditedTable{"absent_table", {"id"}}};
    exec("CREATE TABLE cards(uid TEXT PRIMARY KEY, person TEXT NOT NULL)");
    exec("INSERT INTO cards VALUES('A', 'alice'), ('B', 'bob')");
    for (const char* uid : {"A", "B"}) {
        auto d = digestRow(*db_, cards, {uid});
        ASSERT_TRUE(d);
        nlohmann::json payload{{"uid", uid}, {"row_digest", rowDigestJson(cards, {uid}, *d)}};
        forgeEvent(Event{clock_.nowUs() + 1, "card.assigned", "operator:fa", "", payload.dump()});
    }
    auto clean = verify();
    EXPECT_TRUE(clean.intact()) << (clean.findings.empty() ? "" : clean.findings[0].message);
    EXPECT_EQ(clean.rowsChecked, 2u);

    exec("UPDATE cards SET person = CASE person WHEN 'alice' THEN 'bob' ELSE 'alice' END");
    exec("INSERT INTO cards VALUES('M', 'mallory')");
    auto r = verify();
    EXPECT_TRUE(anyFinding(r, "row cards(A) differs"));
    EXPECT_TRUE(anyFinding(r, "row cards(B) differs"));
    EXPECT_TRUE(anyFinding(r, "row cards(M) was never recorded"));
    exec("DELETE FROM cards WHERE uid = 'B'");
    EXPECT_TRUE(anyFinding(verify(), "row cards(B) is gone"));
}

namespace {
struct PanelKey {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    PanelKey() { crypto_sign_keypair(pk, sk); }
    std::string publicHex() const {
        return toHex(std::string_view(reinterpret_cast<const char*>(pk), sizeof pk));
    }
    std::string sign(const std::string& site, const std::string& panel,
                     const std::string& report) const {
        const Bytes input = panelReportSigningInput(site, panel, report);
        unsigned char sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                             input.size(), sk);
        return toHex(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig));
    }
};
}  // namespace

TEST_F(AuditVerifyTest, PanelSignaturesVerifyUnderTheEnrolledAndThePinnedKey) {
    ASSERT_TRUE(initCrypto());
    const PanelKey panel;
    const std::string report = R"({"door":"d1","kind":"opened","counter":7})";
    const TimeUs t = clock_.nowUs() + 1;
    forgeEvent(Event{t, "panel.key_enrolled", "panel:p-1", "",
                     nlohmann::json{{"panel", "p-1"}, {"public_key", panel.publicHex()}}.dump()});
    forgeEvent(Event{t, "door.opened", "door:d1", "",
                     nlohmann::json{{"door", "d1"},
                                    {"panel_report", report},
                                    {"panel_sig", panel.sign("s1", "p-1", report)}}
                         .dump()});
    options_.site = "s1";
    auto clean = verify();
    EXPECT_TRUE(clean.intact()) << (clean.findings.empty() ? "" : clean.findings[0].message);
    EXPECT_EQ(clean.panelSignedEvents, 1u);

    options_.site = "another-site";
    EXPECT_TRUE(anyFinding(verify(), "panel_sig does not verify"));
    options_.site.clear();
    EXPECT_TRUE(anyFinding(verify(), "pass --site"));
    options_.site = "s1";

    // The pinned key differs from the enrolled one: a key put in the panel's place.
    std::filesystem::create_directories(dir_.file("pinned"));
    const PanelKey real;
    std::ofstream(dir_.file("pinned/p-1.sign.pub")) << real.publicHex() << "\n";
    options_.panelKeysDir = dir_.file("pinned");
    auto pinned = verify();
    EXPECT_TRUE(anyFinding(pinned, "other than its pinned one"));
    EXPECT_TRUE(anyFinding(pinned, "does not verify under its pinned key"));
    std::ofstream(dir_.file("pinned/p-1.sign.pub"), std::ios::trunc) << panel.publicHex() << "\n";
    EXPECT_TRUE(verify().intact());
    options_.panelKeysDir.clear();

    // An altered report, and a report of a panel the trail never enrolled.
    forgeEvent(
        Event{t, "door.opened", "door:d1", "",
              nlohmann::json{{"door", "d1"},
                             {"panel_report", R"({"door":"d1","kind":"opened","counter":8})"},
                             {"panel_sig", panel.sign("s1", "p-1", report)}}
                  .dump()});
    forgeEvent(Event{t, "door.opened", "door:d2", "",
                     nlohmann::json{{"door", "d2"},
                                    {"panel", "p-2"},
                                    {"panel_report", report},
                                    {"panel_sig", panel.sign("s1", "p-2", report)}}
                         .dump()});
    auto r = verify();
    EXPECT_TRUE(anyFinding(r, "seq " + std::to_string(kEvents + 3) + ": panel_sig does not"));
    EXPECT_TRUE(anyFinding(r, "panel p-2 signed a report but the trail enrolled no key"));
}

TEST_F(AuditVerifyTest, SignedEventsDatedAfterTheVerifiersClockFail) {
    // The auditor's clock an hour behind the signer's: every signed event is "in the future".
    options_.nowUs = clock_.nowUs() - 3'600'000'000;
    AuditVerifyOptions v = options_;
    v.dbPath = dbPath_;
    auto r = verifyAudit(v);
    ASSERT_TRUE(r);
    EXPECT_TRUE(anyFinding(*r, "more signed events are dated after the verifier's clock"));
}
