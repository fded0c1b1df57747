// readGateRecords over hand-written trails (the reports each gate.* event keeps) and replayGate:
// a restarted daemon shows a gate as its last reports left it.
#include "doors/gate_rebuild.hpp"

#include <gtest/gtest.h>

#include <sodium.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/audit_schema.hpp"
#include "core/crypto.hpp"
#include "protocol/panel_link_auth.hpp"

using namespace sekimori;
using namespace sekimori::doors;
using protocol::DoorEventKind;

namespace {

const std::string kSite = "s1";

protocol::PanelEvent report(const std::string& gate, DoorEventKind kind, std::uint64_t seq) {
    protocol::PanelEvent e;
    e.door = gate;
    e.kind = kind;
    e.presence = 0;
    e.weightG = 0;
    e.seq = seq;
    e.counter = seq;
    e.occurredUs = 1'000'000 * static_cast<std::int64_t>(seq);
    if (kind == DoorEventKind::cycleStarted || kind == DoorEventKind::cycleCompleted ||
        kind == DoorEventKind::cycleRefused) {
        e.session = "g-" + std::to_string(seq);
        e.side = protocol::DoorSide::entry;
    }
    if (kind == DoorEventKind::cycleRefused) {
        e.refusal = protocol::GateRefusal::tailgate;
        e.presence = 2;
    }
    if (kind == DoorEventKind::gateDoorStuck) {
        e.leaf = "inner";
    }
    return e;
}

DoorSpec gateSpec(const std::string& id) {
    DoorSpec d;
    d.id = id;
    d.panel = "p-" + id;
    d.fromZone = "floor";
    d.toZone = "server-room";
    d.circleGate = true;
    return d;
}

class GateRebuildTest : public ::testing::Test {
  protected:
    GateRebuildTest() {
        // One signing key per gate's panel, as the key files pin them.
        for (const std::string panel : {"p-gate-a", "p-gate-b", "p-gate-c"}) {
            core::Bytes pk(crypto_sign_PUBLICKEYBYTES, '\0');
            core::Bytes sk(crypto_sign_SECRETKEYBYTES, '\0');
            crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                                reinterpret_cast<unsigned char*>(sk.data()));
            keys_[panel] = pk;
            secrets_[panel] = sk;
        }
    }
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() / ("gate-rebuild-" + core::randomToken(6));
        auto db = core::Database::open(path_.string());
        ASSERT_TRUE(db);
        db_ = std::move(*db);
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove(path_);
        std::filesystem::remove(path_.string() + "-wal");
        std::filesystem::remove(path_.string() + "-shm");
    }
    void createTrail() { ASSERT_TRUE(db_->exec(std::string(core::kAuditEventsTableSql))); }
    // Ed25519 by the gate's panel over the report, as the panel signs it (hex).
    std::string sign(const std::string& panel, const std::string& report) {
        const std::string bytes = protocol::reportSigningInput(kSite, panel, report);
        std::string sig(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                             reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                             reinterpret_cast<const unsigned char*>(secrets_.at(panel).data()));
        return core::toHex(sig);
    }
    // As gate_supervision records a report: gate.<kind> with the gate, its panel and the signed
    // report. `reportText` replaces the report after it was signed (a row written behind the
    // daemon).
    void record(const protocol::PanelEvent& e, std::string reportText = {}) {
        const std::string panel = "p-" + e.door;
        const std::string report = protocol::encodeReport(e);
        const nlohmann::json payload{{"gate", e.door},
                                     {"panel", panel},
                                     {"panel_report", reportText.empty() ? report : reportText},
                                     {"panel_sig", sign(panel, report)}};
        auto st = db_->prepare(
            "INSERT INTO audit_events(time_us, type, source, subject, payload, prev_hash, hash)"
            " VALUES(?1, ?2, 'test', '', ?3, x'00', x'00')");
        ASSERT_TRUE(st);
        st->bind(1, e.occurredUs)
            .bind(2, "gate." + std::string(protocol::toString(e.kind)))
            .bind(3, payload.dump());
        ASSERT_TRUE(st->step());
    }
    std::map<std::string, std::vector<GateRecord>> read(std::size_t perGate = kGateReplayReports) {
        auto trail = readGateRecords(*db_, kSite, keys_, perGate);
        EXPECT_TRUE(trail) << trail.error().message;
        refused_ = trail ? trail->refused : 0;
        return trail ? std::move(trail->records) : std::map<std::string, std::vector<GateRecord>>{};
    }

    std::map<std::string, core::Bytes> keys_;
    std::map<std::string, core::Bytes> secrets_;
    std::size_t refused_ = 0;
    std::filesystem::path path_;
    std::unique_ptr<core::Database> db_;
};

TEST_F(GateRebuildTest, AFreshDatabaseHasNothingToRestore) {
    EXPECT_TRUE(read().empty());
    createTrail();
    EXPECT_TRUE(read().empty());
}

TEST_F(GateRebuildTest, EachGateComesBackAsItsLastReportsLeftIt) {
    createTrail();
    // gate-a: a completed cycle, then a fire release whose input cleared: awaiting the re-arm.
    record(report("gate-a", DoorEventKind::cycleStarted, 1));
    record(report("gate-a", DoorEventKind::cycleCompleted, 2));
    record(report("gate-a", DoorEventKind::gateFireReleased, 3));
    record(report("gate-a", DoorEventKind::gateFireCleared, 4));
    // gate-b: power lost, then a tailgate refused and a leaf stuck; a report that does not parse
    // is skipped.
    record(report("gate-b", DoorEventKind::gatePowerLost, 1));
    record(report("gate-b", DoorEventKind::cycleStarted, 2));
    record(report("gate-b", DoorEventKind::cycleRefused, 3));
    record(report("gate-b", DoorEventKind::gateDoorStuck, 4));
    record(report("gate-b", DoorEventKind::gatePowerRestored, 5), "{\"door\":\"gate-b\"}");
    // gate-c: refused, then re-armed: nothing left.
    record(report("gate-c", DoorEventKind::cycleRefused, 1));
    record(report("gate-c", DoorEventKind::gateRearmed, 2));

    const auto records = read();
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records.at("gate-b").size(), 4U);
    EXPECT_EQ(refused_, 1U);

    const GateState a = replayGate(gateSpec("gate-a"), records.at("gate-a"));
    EXPECT_FALSE(a.fireReleased);
    EXPECT_TRUE(a.awaitingRearm);
    EXPECT_FALSE(a.cycling);
    EXPECT_EQ(a.cyclesCompleted, 0U);  // counted since this daemon started
    EXPECT_EQ(a.lastEventType, "gate.fire_cleared");

    const GateState b = replayGate(gateSpec("gate-b"), records.at("gate-b"));
    EXPECT_TRUE(b.powerLost);  // the restore did not parse: still lost
    EXPECT_TRUE(b.refused);
    ASSERT_TRUE(b.lastRefusal);
    EXPECT_EQ(b.lastRefusal->refusal, "tailgate");
    EXPECT_EQ(b.lastRefusal->presence, 2);
    EXPECT_EQ(b.stuck, std::vector<std::string>{"inner"});
    EXPECT_TRUE(b.pending.empty());

    const GateState c = replayGate(gateSpec("gate-c"), records.at("gate-c"));
    EXPECT_FALSE(c.refused);
    // Another gate's records change nothing.
    EXPECT_FALSE(replayGate(gateSpec("gate-c"), records.at("gate-b")).powerLost);
}

// Someone who can write the database inserts a report the panel never signed (the gate "re-armed"
// and powered): it is refused, the gate stays as its signed reports left it.
TEST_F(GateRebuildTest, AReportThePanelDidNotSignIsNotReplayed) {
    createTrail();
    record(report("gate-a", DoorEventKind::gateFireReleased, 1));
    const auto rearmed = report("gate-a", DoorEventKind::gateRearmed, 2);
    auto forged = rearmed;
    forged.seq = 3;  // signed as seq 2, stored as 3
    record(rearmed, protocol::encodeReport(forged));
    auto unknownPanel = report("gate-x", DoorEventKind::gateRearmed, 4);
    keys_["p-gate-x"] = keys_.at("p-gate-a");  // signed, then its key is not the pinned one
    secrets_["p-gate-x"] = secrets_.at("p-gate-b");
    record(unknownPanel);
    const auto records = read();
    EXPECT_EQ(refused_, 2U);
    ASSERT_EQ(records.at("gate-a").size(), 1U);
    EXPECT_TRUE(replayGate(gateSpec("gate-a"), records.at("gate-a")).fireReleased);
    EXPECT_EQ(records.count("gate-x"), 0U);
}

TEST_F(GateRebuildTest, OnlyTheNewestReportsPerGateAreKept) {
    createTrail();
    record(report("gate-a", DoorEventKind::gatePowerLost, 1));
    record(report("gate-a", DoorEventKind::gatePowerRestored, 2));
    record(report("gate-a", DoorEventKind::gateFireReleased, 3));
    const auto records = read(2);
    ASSERT_EQ(records.at("gate-a").size(), 2U);
    EXPECT_EQ(records.at("gate-a").front().event.kind, DoorEventKind::gatePowerRestored);
    EXPECT_EQ(records.at("gate-a").back().timeUs, 3'000'000);
    EXPECT_TRUE(replayGate(gateSpec("gate-a"), records.at("gate-a")).fireReleased);
}

}  // namespace
