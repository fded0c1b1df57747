// readZoneTrail over hand-written trails: what each event type leaves behind, in seq order, and
// what it ignores (other types, malformed payloads, a fresh database without a trail).
#include "doors/zone_rebuild.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/audit_schema.hpp"
#include "core/crypto.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

class ZoneRebuildTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() / ("zone-rebuild-" + core::randomToken(6));
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
    void add(const std::string& type, const std::string& subject, const std::string& payload,
             core::TimeUs timeUs = 1) {
        auto st = db_->prepare(
            "INSERT INTO audit_events(time_us, type, source, subject, payload, prev_hash, hash)"
            " VALUES(?1, ?2, 'test', ?3, ?4, x'00', x'00')");
        ASSERT_TRUE(st);
        st->bind(1, timeUs).bind(2, type).bind(3, subject).bind(4, payload);
        ASSERT_TRUE(st->step());
    }
    ZoneTrail read() {
        auto trail = readZoneTrail(*db_);
        EXPECT_TRUE(trail) << trail.error().message;
        return trail ? std::move(*trail) : ZoneTrail{};
    }

    std::filesystem::path path_;
    std::unique_ptr<core::Database> db_;
};

TEST_F(ZoneRebuildTest, AFreshDatabaseHasNothingToRestore) {
    const auto trail = read();
    EXPECT_TRUE(trail.lockdownEvents.empty());
    EXPECT_TRUE(trail.forgiven.empty());
    EXPECT_FALSE(trail.muster);
    EXPECT_TRUE(trail.alone.empty());
}

TEST_F(ZoneRebuildTest, LockdownEventsComeBackInSeqOrderForTheStateToReplay) {
    createTrail();
    add("zone.lockdown_started", "", R"({"scope":"site","target":"site","comment":"fire"})", 5);
    add("door.opened", "", R"({"door":"d"})");
    add("zone.lockdown_lifted", "", R"({"scope":"site","target":"site"})", 6);
    add("zone.lockdown_started", "", "not json", 7);
    const auto trail = read();
    ASSERT_EQ(trail.lockdownEvents.size(), 2U);
    EXPECT_EQ(trail.lockdownEvents[0].type, "zone.lockdown_started");
    EXPECT_EQ(trail.lockdownEvents[0].timeUs, 5);
    EXPECT_EQ(trail.lockdownEvents[0].payload["comment"], "fire");
    EXPECT_EQ(trail.lockdownEvents[1].type, "zone.lockdown_lifted");
}

TEST_F(ZoneRebuildTest, AForgivenessLastsUntilTheNextEntryGrantOfThePersonOrAsCompanion) {
    createTrail();
    add("access.passback_forgiven", "alice", R"({"person":"alice","zone":"office"})");
    add("access.passback_forgiven", "bob", R"({"person":"bob","zone":"office"})");
    add("access.passback_forgiven", "carol", R"({"person":"carol","zone":""})");
    add("access.granted", "alice", R"({"person":"alice","side":"exit"})");  // not an entry
    add("access.granted", "dave",
        R"({"person":"dave","side":"entry","companions":[{"person":"bob"}]})");
    add("access.granted", "carol", R"({"person":"carol","side":"entry"})");
    add("access.passback_forgiven", "carol", R"({"person":"carol","zone":"office"})");
    const auto trail = read();
    EXPECT_EQ(trail.forgiven, (std::set<std::string>{"alice", "carol"}));
}

TEST_F(ZoneRebuildTest, TheLastMusterAndTheAloneAlarmsStillRaisedAreKept) {
    createTrail();
    add("zone.muster_started", "",
        R"({"zones":[{"zone":"office","people":[{"person":"a","person_name":"A"}]}],"actor":"d1","comment":"one"})",
        10);
    add("zone.muster_started", "",
        R"({"zones":[{"zone":"lab","people":[{"person":"b","person_name":"B"},{"person_name":"no id"}]}],"actor":"d2","comment":"two"})",
        20);
    add("zone.alone", "a", R"({"zone":"handling","person":"a","since_us":7})");
    add("zone.alone", "c", R"({"zone":"vault","person":"c","since_us":8})");
    add("zone.alone_cleared", "", R"({"zone":"vault","count":0})");
    const auto trail = read();
    ASSERT_TRUE(trail.muster);
    EXPECT_EQ(trail.muster->startedUs, 20);
    EXPECT_EQ(trail.muster->actor, "d2");
    EXPECT_EQ(trail.muster->comment, "two");
    ASSERT_EQ(trail.muster->people.size(), 1U);
    EXPECT_EQ(trail.muster->people[0].zone, "lab");
    EXPECT_EQ(trail.muster->people[0].person, "b");
    ASSERT_EQ(trail.alone.size(), 1U);
    EXPECT_EQ(trail.alone.at("handling").person, "a");
    EXPECT_EQ(trail.alone.at("handling").sinceUs, 7);
}

}  // namespace
