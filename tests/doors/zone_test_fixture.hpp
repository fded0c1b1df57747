#pragma once
// Zone control on the real AuditedRecorder and a database file, with a manual clock: the zone
// tests' shared rig. People are enrolled through the real enrollment (the trail names their
// rows); presence moves as the doors service moves it (pass, record its events, then
// presenceChanged); restart() builds a second ZoneControl restored from the same trail on a
// real credential cache's reader thread.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/audited_recorder.hpp"
#include "core/event_bus.hpp"
#include "doors/access_rules_config.hpp"
#include "doors/credential_cache.hpp"
#include "doors/presence.hpp"
#include "doors/presence_rebuild.hpp"
#include "doors/zone_control.hpp"
#include "tests/doors/enroll_helpers.hpp"

namespace sekimori::doors::test {

class ZoneFixture : public ::testing::Test {
  protected:
    // site > building > corridor > server-room > handling-area; lobby under building.
    static std::map<std::string, std::string, std::less<>> zoneParents() {
        return {{"building", "site"},
                {"lobby", "building"},
                {"corridor", "building"},
                {"server-room", "corridor"},
                {"handling-area", "server-room"}};
    }
    static AccessRulesConfig rules() {
        AccessRulesConfig r;
        ZoneRules handling;
        handling.zone = "handling-area";
        handling.twoPerson = true;
        handling.neverAlone = true;
        handling.aloneGrace = std::chrono::seconds(3);
        r.zoneRules.emplace(handling.zone, handling);
        r.lockdownExemptGroups = {"guards"};
        return r;
    }

    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        dir_ = std::filesystem::temp_directory_path() / ("doors-zones-" + core::randomToken(6));
        std::filesystem::create_directories(dir_);
        dbPath_ = (dir_ / "site.db").string();
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db);
        reader_ = std::move(*db);
        ASSERT_TRUE(CredentialStore::open(*reader_));
        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "audit-signing.key").string();
        auto writer = core::Database::open(dbPath_);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.get_executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        for (const auto& [id, name] : {std::pair<std::string, std::string>{"alice", "Alice Sato"},
                                       {"bob", "Bob Kato"},
                                       {"carol", "Carol Ito"}}) {
            auto r = enrollThrough(
                *recorder_, clock_, {pepper_, templateKey_}, {},
                [id = id, name = name](Enrollment& e) { return e.addPerson(id, name); });
            ASSERT_TRUE(r) << r.error().message;
        }
        rules_ = rules();
        zones_ = makeZones(presence_);
    }

    void TearDown() override {
        if (zones_) {
            zones_->stop();
        }
        if (restarted_) {
            restarted_->zones->stop();
            restarted_->cache->stop();
        }
        recorder_->stop();
        io_.restart();
        io_.poll();
        std::filesystem::remove_all(dir_);
    }

    std::unique_ptr<ZoneControl> makeZones(const Presence& presence) {
        return std::make_unique<ZoneControl>(ZoneControlParts{
            io_.get_executor(), *recorder_, clock_, presence, rules_, zoneParents()});
    }

    bool runUntil(const std::function<bool()>& done, int maxMs = 5000) {
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
    // Everything recorded so far is in the trail.
    void flush() { ASSERT_TRUE(recorder_->flush()); }

    // A granted passage as the doors service does it: presence moves, its events are recorded,
    // zone control hears of it.
    void pass(Presence& presence, ZoneControl& zones, const std::string& person,
              const std::string& name, const std::string& from, const std::string& to) {
        for (auto& e : presence.pass({person, name, "door-" + to, from, to, clock_.nowUs(), {}})) {
            recorder_->record(std::move(e));
        }
        zones.presenceChanged(to);
    }
    void pass(const std::string& person, const std::string& name, const std::string& from,
              const std::string& to) {
        pass(presence_, *zones_, person, name, from, to);
    }

    std::int64_t countOf(const std::string& type) {
        flush();
        auto s = reader_->prepare("SELECT count(*) FROM audit_events WHERE type = ?1");
        EXPECT_TRUE(s);
        s->bind(1, type);
        auto row = s->step();
        EXPECT_TRUE(row && *row);
        return s->columnInt(0);
    }
    // Without a flush: what the trail holds at this moment (from an onDone, say).
    std::int64_t eventCountNow(const std::string& type) {
        auto s = reader_->prepare("SELECT count(*) FROM audit_events WHERE type = ?1");
        EXPECT_TRUE(s);
        s->bind(1, type);
        auto row = s->step();
        EXPECT_TRUE(row && *row);
        return s->columnInt(0);
    }
    std::int64_t eventCount() {
        auto s = reader_->prepare("SELECT count(*) FROM audit_events");
        auto row = s->step();
        EXPECT_TRUE(row && *row);
        return s->columnInt(0);
    }
    // The newest event of `type`: its payload, with "(source)" and "(subject)" added.
    nlohmann::json lastPayload(const std::string& type) {
        flush();
        auto s = reader_->prepare(
            "SELECT payload, source, subject FROM audit_events WHERE type = ?1"
            " ORDER BY seq DESC LIMIT 1");
        EXPECT_TRUE(s);
        s->bind(1, type);
        auto row = s->step();
        if (!row || !*row) {
            ADD_FAILURE() << "no " << type << " in the trail";
            return nullptr;
        }
        auto payload = nlohmann::json::parse(s->columnText(0));
        payload["(source)"] = s->columnText(1);
        payload["(subject)"] = s->columnText(2);
        return payload;
    }

    // A second zone control over presence rebuilt from the same trail, restored as the doors
    // service restores it (on the credential cache's reader thread, after the presence job).
    struct Restarted {
        Presence presence;
        std::unique_ptr<CredentialCache> cache;
        std::unique_ptr<ZoneControl> zones;
    };
    Restarted& restart() {
        zones_->stop();  // the old process is gone
        flush();
        restarted_ = std::make_unique<Restarted>();
        auto cache = CredentialCache::open(io_.get_executor(), dbPath_);
        EXPECT_TRUE(cache) << cache.error().message;
        restarted_->cache = std::move(*cache);
        restarted_->cache->start([](std::shared_ptr<const CredentialSnapshot>) {});
        restarted_->zones = makeZones(restarted_->presence);
        bool presenceDone = false;
        bool zonesDone = false;
        Restarted* r = restarted_.get();
        r->cache->post([&presenceDone, r, this](core::Database& db) {
            auto rebuilt = rebuildPresence(db);
            boost::asio::post(io_.get_executor(), [&presenceDone, r, rebuilt]() mutable {
                if (rebuilt) {
                    r->presence = std::move(rebuilt.value());
                }
                presenceDone = true;
            });
        });
        r->zones->restore(*r->cache, [&] {
            EXPECT_TRUE(presenceDone) << "restored before the presence it checks";
            zonesDone = true;
        });
        EXPECT_TRUE(runUntil([&] { return zonesDone; }));
        return *restarted_;
    }

    boost::asio::io_context io_;
    core::ManualClock clock_;
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::Database> reader_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    core::Bytes pepper_ = core::randomBytes(32);
    core::Bytes templateKey_ = core::randomBytes(32);
    AccessRulesConfig rules_;
    Presence presence_;
    std::unique_ptr<ZoneControl> zones_;
    std::unique_ptr<Restarted> restarted_;
};

}  // namespace sekimori::doors::test
