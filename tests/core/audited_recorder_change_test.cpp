// AuditedRecorder::commit(Change): a domain's rows and the events that record them in one
// transaction, onDone after both are durable, one failing change rolled back alone, the bounded
// queue and the health it reports.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <semaphore>

#include "audit_test_support.hpp"
#include "core/audit_verify.hpp"
#include "core/audited_recorder.hpp"

using namespace sekimori::core;
using namespace std::chrono_literals;
using sekimori::core::testing::runUntil;
using sekimori::core::testing::sampleEvent;
using sekimori::core::testing::TempDir;

namespace {

constexpr const char* kCreateDoorState =
    "CREATE TABLE IF NOT EXISTS door_state(door TEXT PRIMARY KEY, state TEXT NOT NULL)";

struct Fixture {
    TempDir dir;
    std::string dbPath = dir.file("site.db");
    boost::asio::io_context io;
    EventBus bus;
    ManualClock clock;
    std::vector<RecorderHealth> healthSeen;  // io thread (this thread, in runUntil)
    std::unique_ptr<Database> reader;

    Fixture() {
        clock.set(1'700'000'000'000'000);
        auto db = Database::open(dbPath);
        EXPECT_TRUE(db && (*db)->exec(kCreateDoorState));
        reader = std::move(*db);
    }

    AuditedRecorderOptions options() {
        AuditedRecorderOptions o;
        o.signingKeyPath = dir.file("audit-signing.key");
        o.pollInterval = 2ms;
        o.retryInterval = 5ms;
        o.onHealth = [this](RecorderHealth h) { healthSeen.push_back(h); };
        return o;
    }
    std::unique_ptr<AuditedRecorder> start(AuditedRecorderOptions o) {
        auto db = Database::open(dbPath);
        EXPECT_TRUE(db);
        auto r =
            AuditedRecorder::create(std::move(*db), io.get_executor(), bus, clock, std::move(o));
        EXPECT_TRUE(r) << r.error().message;
        return std::move(*r);
    }
    std::unique_ptr<AuditedRecorder> start() { return start(options()); }

    std::int64_t count(const std::string& sql) {
        auto s = reader->prepare(sql);
        EXPECT_TRUE(s) << s.error().message;
        auto row = s->step();
        EXPECT_TRUE(row && *row);
        return s->columnInt(0);
    }
    std::int64_t doorRows(const std::string& door) {
        return count("SELECT count(*) FROM door_state WHERE door = '" + door + "'");
    }
    std::int64_t eventsNaming(const std::string& door) {
        return count("SELECT count(*) FROM audit_events WHERE json_extract(payload, '$.door') = '" +
                     door + "'");
    }
    bool chainIntact() {
        AuditVerifyOptions v;
        v.dbPath = dbPath;
        v.nowUs = clock.nowUs();
        auto r = verifyAudit(v);
        return r && r->intact();
    }
};

Event doorEvent(const std::string& door, const std::string& type = "door.state_changed") {
    return Event{0, type, "door:" + door, "", nlohmann::json{{"door", door}}.dump()};
}

// A change that sets a door's state row and records it.
Change doorChange(const std::string& door, std::function<void(const Result<void>&)> onDone = {}) {
    Change c;
    c.events.push_back(doorEvent(door));
    c.apply = [door](Database& db) -> Result<std::vector<Event>> {
        auto insert = db.prepare("INSERT INTO door_state(door, state) VALUES(?1, 'locked')");
        if (!insert) {
            return insert.error();
        }
        insert->bind(1, door);
        if (auto r = insert->run(); !r) {
            return r.error();
        }
        return std::vector<Event>{};
    };
    c.onDone = std::move(onDone);
    return c;
}

// Holds the writer inside a change's apply until released, so that what is committed
// meanwhile lands in the next batch together.
struct WriterGate {
    std::binary_semaphore entered{0};
    std::binary_semaphore open{0};
    Change change() {
        Change c;
        c.apply = [this](Database&) -> Result<std::vector<Event>> {
            entered.release();
            open.acquire();
            return std::vector<Event>{};
        };
        return c;
    }
};

}  // namespace

TEST(AuditedRecorderChange, RowAndEventAreDurableTogetherBeforeOnDoneAndPublishedFirst) {
    Fixture f;
    auto recorder = f.start();
    std::vector<std::string> order;
    auto token = f.bus.subscribe<RecordedEvent>(
        [&](const RecordedEvent& e) { order.push_back("published " + e.event.type); });
    std::optional<Result<void>> done;
    std::int64_t rowsWhenDone = -1;
    std::int64_t eventsWhenDone = -1;
    recorder->commit(doorChange("server-room", [&](const Result<void>& r) {
        order.push_back("done");
        done = r;
        // Another connection sees both: they were committed before this ran.
        rowsWhenDone = f.doorRows("server-room");
        eventsWhenDone = f.eventsNaming("server-room");
    }));
    ASSERT_TRUE(runUntil(f.io, [&] { return done.has_value(); }));
    EXPECT_TRUE(*done);
    EXPECT_EQ(rowsWhenDone, 1);
    EXPECT_EQ(eventsWhenDone, 1);
    EXPECT_EQ(order, (std::vector<std::string>{"published door.state_changed", "done"}));
    recorder->stop();
    EXPECT_TRUE(f.chainIntact());
}

TEST(AuditedRecorderChange, FailingApplyRollsBackThatChangeAloneAndTheBatchCommits) {
    Fixture f;
    auto recorder = f.start();
    std::vector<std::uint64_t> seqs;
    std::vector<std::string> doors;
    auto token = f.bus.subscribe<RecordedEvent>([&](const RecordedEvent& e) {
        seqs.push_back(e.seq);
        doors.push_back(e.body ? e.body->value("door", "") : "");
    });
    WriterGate gate;
    recorder->commit(gate.change());
    gate.entered.acquire();  // the writer is busy: the next three share one batch

    std::map<std::string, Result<void>> outcome;
    const auto remember = [&](const std::string& door) {
        return [&, door](const Result<void>& r) { outcome.emplace(door, r); };
    };
    recorder->commit(doorChange("a", remember("a")));
    Change bad = doorChange("b", remember("b"));
    bad.events.push_back(doorEvent("b", "door.forced"));
    bad.apply = [](Database& db) -> Result<std::vector<Event>> {
        // Writes first, then refuses: the write must not survive.
        if (auto r = db.exec("INSERT INTO door_state(door, state) VALUES('b', 'open')"); !r) {
            return r.error();
        }
        return makeError("door.refused", "door b is in lockdown");
    };
    recorder->commit(std::move(bad));
    recorder->commit(doorChange("c", remember("c")));
    gate.open.release();

    ASSERT_TRUE(runUntil(f.io, [&] { return outcome.size() == 3; }));
    EXPECT_TRUE(outcome.at("a"));
    ASSERT_FALSE(outcome.at("b"));
    EXPECT_EQ(outcome.at("b").error().code, "door.refused");
    EXPECT_TRUE(outcome.at("c"));
    EXPECT_EQ(f.doorRows("a"), 1);
    EXPECT_EQ(f.doorRows("b"), 0);
    EXPECT_EQ(f.doorRows("c"), 1);
    EXPECT_EQ(f.eventsNaming("b"), 0);
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(doors, (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(recorder->committedCount(), 2u);
    recorder->stop();
    EXPECT_TRUE(f.chainIntact());
}

TEST(AuditedRecorderChange, ApplyThatThrowsIsThatChangesError) {
    Fixture f;
    auto recorder = f.start();
    std::optional<Result<void>> done;
    Change c = doorChange("x", [&](const Result<void>& r) { done = r; });
    c.apply = [](Database&) -> Result<std::vector<Event>> { throw std::runtime_error("boom"); };
    recorder->commit(std::move(c));
    ASSERT_TRUE(runUntil(f.io, [&] { return done.has_value(); }));
    ASSERT_FALSE(*done);
    EXPECT_EQ(done->error().code, "audit.apply_threw");
    EXPECT_NE(done->error().message.find("boom"), std::string::npos);
    // The writer survived it.
    recorder->record(sampleEvent(1));
    EXPECT_TRUE(recorder->flush());
}

TEST(AuditedRecorderChange, FailedCommitIsRetriedWithItsApplyAndStoredOnce) {
    Fixture f;
    auto recorder = f.start();
    ASSERT_TRUE(
        f.reader->exec("CREATE TRIGGER refuse BEFORE INSERT ON audit_events BEGIN"
                       " SELECT RAISE(ABORT, 'simulated I/O error'); END"));
    std::optional<Result<void>> done;
    recorder->commit(doorChange("retry", [&](const Result<void>& r) { done = r; }));
    EXPECT_FALSE(recorder->flush());
    ASSERT_TRUE(runUntil(f.io, [&] { return !f.healthSeen.empty(); }));
    EXPECT_EQ(f.healthSeen.back(), RecorderHealth::failing);
    EXPECT_EQ(recorder->health(), RecorderHealth::failing);
    EXPECT_FALSE(done.has_value()) << "no answer before it is stored";
    EXPECT_EQ(f.doorRows("retry"), 0) << "the failed batch's row was rolled back with it";

    ASSERT_TRUE(f.reader->exec("DROP TRIGGER refuse"));
    ASSERT_TRUE(runUntil(f.io, [&] { return done.has_value(); }));
    EXPECT_TRUE(*done);
    EXPECT_EQ(f.doorRows("retry"), 1);
    EXPECT_EQ(f.eventsNaming("retry"), 1);
    ASSERT_TRUE(runUntil(f.io, [&] { return f.healthSeen.back() == RecorderHealth::ok; }));
    EXPECT_EQ(f.healthSeen,
              (std::vector<RecorderHealth>{RecorderHealth::failing, RecorderHealth::ok}));
    recorder->stop();
    EXPECT_TRUE(f.chainIntact());
}

TEST(AuditedRecorderChange, FullQueueRefusesAtOnceCountsAndRecordsTheRefusalWhenDrained) {
    Fixture f;
    auto options = f.options();
    options.maxQueued = 4;
    auto recorder = f.start(options);
    std::vector<RecordedEvent> published;
    auto token =
        f.bus.subscribe<RecordedEvent>([&](const RecordedEvent& e) { published.push_back(e); });
    WriterGate gate;
    recorder->commit(gate.change());  // holds 1 of the 4
    gate.entered.acquire();
    recorder->record(sampleEvent(1));
    recorder->record(sampleEvent(2));
    recorder->record(sampleEvent(3));  // 4 of 4
    EXPECT_EQ(recorder->queuedCount(), 4u);

    std::optional<Result<void>> refused;
    f.clock.advanceMs(10);
    const TimeUs firstRefusal = f.clock.nowUs();
    recorder->commit(doorChange("late", [&](const Result<void>& r) { refused = r; }));
    f.clock.advanceMs(10);
    recorder->record(sampleEvent(4));
    recorder->record(sampleEvent(5));
    EXPECT_EQ(recorder->refusedCount(), 3u);
    ASSERT_TRUE(runUntil(f.io, [&] { return refused.has_value(); }));
    ASSERT_FALSE(*refused);
    EXPECT_EQ(refused->error().code, kAuditQueueFull);
    EXPECT_EQ(f.healthSeen, std::vector<RecorderHealth>{RecorderHealth::full});

    gate.open.release();
    ASSERT_TRUE(runUntil(f.io, [&] {
        return !published.empty() && published.back().event.type == kAuditEventsRefused;
    }));
    const RecordedEvent& note = published.back();
    ASSERT_NE(note.body, nullptr);
    EXPECT_EQ(note.body->at("count"), 3);
    EXPECT_EQ(note.body->at("first_us"), firstRefusal);
    EXPECT_EQ(note.body->at("last_us"), firstRefusal + 10'000);
    EXPECT_EQ(note.event.source, "audit");
    EXPECT_EQ(f.doorRows("late"), 0);
    EXPECT_EQ(f.healthSeen,
              (std::vector<RecorderHealth>{RecorderHealth::full, RecorderHealth::ok}));
    EXPECT_EQ(recorder->health(), RecorderHealth::ok);
    recorder->stop();
    EXPECT_TRUE(f.chainIntact());
}

TEST(AuditedRecorderChange, PayloadIsParsedOnceForSubscribersAndNullWhenNotAnObject) {
    Fixture f;
    auto recorder = f.start();
    std::vector<RecordedEvent> seen;
    auto token = f.bus.subscribe<RecordedEvent>([&](const RecordedEvent& e) { seen.push_back(e); });
    recorder->record(Event{0, "door.opened", "door:a", "", "{\"door\":\"a\",\"n\":7}"});
    recorder->record(Event{0, "mqtt.bad_payload", "panel:p", "", "[1,2]"});
    recorder->record(Event{0, "mqtt.bad_payload", "panel:p", "", "not json"});
    ASSERT_TRUE(runUntil(f.io, [&] { return seen.size() == 3; }));
    ASSERT_NE(seen[0].body, nullptr);
    EXPECT_EQ(seen[0].body->at("door"), "a");
    EXPECT_EQ(seen[0].body->at("n"), 7);
    EXPECT_EQ(seen[1].body, nullptr);
    EXPECT_EQ(seen[2].body, nullptr);
}

TEST(AuditedRecorderChange, ChangesAndPlainEventsKeepTheirOrderInTheChain) {
    Fixture f;
    auto recorder = f.start();
    std::vector<std::string> types;
    auto token = f.bus.subscribe<RecordedEvent>(
        [&](const RecordedEvent& e) { types.push_back(e.event.type); });
    recorder->record(Event{0, "first", "test", "", "{}"});
    Change two;
    two.events = {Event{0, "second", "test", "", "{}"}, Event{0, "third", "test", "", "{}"}};
    recorder->commit(std::move(two));
    recorder->record(Event{0, "fourth", "test", "", "{}"});
    ASSERT_TRUE(runUntil(f.io, [&] { return types.size() == 4; }));
    EXPECT_EQ(types, (std::vector<std::string>{"first", "second", "third", "fourth"}));
}

TEST(AuditedRecorderChange, AfterStopAChangeHearsStopped) {
    Fixture f;
    auto recorder = f.start();
    recorder->stop();
    std::optional<Result<void>> done;
    recorder->commit(doorChange("late", [&](const Result<void>& r) { done = r; }));
    ASSERT_TRUE(runUntil(f.io, [&] { return done.has_value(); }));
    ASSERT_FALSE(*done);
    EXPECT_EQ(done->error().code, kAuditStopped);
    EXPECT_EQ(f.doorRows("late"), 0);
}
