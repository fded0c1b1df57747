#include "core/audit_chain.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_test_support.hpp"
#include "core/crypto.hpp"

using namespace sekimori::core;
using sekimori::core::testing::sampleEvent;
using sekimori::core::testing::TempDir;

namespace {

Event doorOpened() {
    return Event{1'700'000'000'000'000, "door.opened", "door:server-room", "",
                 R"({"door":"server-room"})"};
}

// Independent of our code: produced by the Python reference in docs/audit.md.
constexpr const char* kGoldenEncoding =
    "0000001773656b696d6f72692e61756469742e6576656e742e7631"             // tag
    "0000000000000001"                                                   // seq
    "00060a24181e4000"                                                   // time_us
    "0000000b646f6f722e6f70656e6564"                                     // type
    "00000010646f6f723a7365727665722d726f6f6d"                           // source
    "00000000"                                                           // subject (empty)
    "000000167b22646f6f72223a227365727665722d726f6f6d227d"               // payload
    "0000000000000000000000000000000000000000000000000000000000000000";  // prev_hash
constexpr const char* kGoldenHash1 =
    "25be26ba7cbc879d60395be09fb6cec8a4dcf8c7c853c1bd3a03f2216bec5a44";
constexpr const char* kGoldenHash2 =
    "905f1d00a538994b2efb77a29a68e93e2e8d99c17d53271f68a4e938d00567e1";

std::vector<RecordedEvent> readAll(Database& db) {
    auto s = db.prepare(
        "SELECT seq, time_us, type, source, subject, payload, prev_hash, hash"
        " FROM audit_events ORDER BY seq");
    EXPECT_TRUE(s);
    std::vector<RecordedEvent> out;
    while (true) {
        auto row = s->step();
        if (!row || !*row) {
            break;
        }
        RecordedEvent r;
        r.seq = static_cast<std::uint64_t>(s->columnInt(0));
        r.event = {s->columnInt(1), s->columnText(2), s->columnText(3), s->columnText(4),
                   s->columnText(5)};
        const auto prev = s->columnBlob(6);
        const auto hash = s->columnBlob(7);
        std::copy(prev.begin(), prev.end(), r.prevHash.begin());
        std::copy(hash.begin(), hash.end(), r.hash.begin());
        out.push_back(r);
    }
    return out;
}

void expectContinuousChain(const std::vector<RecordedEvent>& events) {
    Hash prev{};
    for (std::size_t i = 0; i < events.size(); ++i) {
        ASSERT_EQ(events[i].seq, i + 1);
        ASSERT_EQ(events[i].prevHash, prev) << "seq " << events[i].seq;
        ASSERT_EQ(events[i].hash, auditEventHash(events[i].seq, events[i].event, prev));
        prev = events[i].hash;
    }
}

}  // namespace

TEST(AuditChain, CanonicalEncodingMatchesGoldenVector) {
    ASSERT_TRUE(initCrypto());
    EXPECT_EQ(toHex(encodeAuditEvent(1, doorOpened(), Hash{})), kGoldenEncoding);
    const Hash h1 = auditEventHash(1, doorOpened(), Hash{});
    EXPECT_EQ(toHex(h1), kGoldenHash1);
    const Event granted{1'700'000'000'500'000, "access.granted", "door:server-room", "p-0042",
                        R"({"door":"server-room","side":"outer","person":"p-0042",)"
                        R"("person_name":"Sato Hanako","decision":"granted","reason":"ok"})"};
    EXPECT_EQ(toHex(auditEventHash(2, granted, h1)), kGoldenHash2);
}

TEST(AuditChain, LengthPrefixesKeepFieldBoundaries) {
    Event a{1, "door.opened", "ab", "c", "{}"};
    Event b{1, "door.opened", "a", "bc", "{}"};
    EXPECT_NE(auditEventHash(1, a, Hash{}), auditEventHash(1, b, Hash{}));
}

TEST(AuditChain, ChainIsContinuousAcrossBatches) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    for (int batch = 0; batch < 5; ++batch) {
        std::vector<Event> events;
        for (int i = 0; i < 7; ++i) {
            events.push_back(sampleEvent(batch * 7 + i, 1000 + batch));
        }
        auto r = appendEvents(**db, events);
        ASSERT_TRUE(r) << r.error().message;
        ASSERT_EQ(r->size(), 7u);
        EXPECT_EQ(r->front().seq, static_cast<std::uint64_t>(batch * 7 + 1));
    }
    auto all = readAll(**db);
    ASSERT_EQ(all.size(), 35u);
    expectContinuousChain(all);
}

TEST(AuditChain, SecondConnectionAndSecondProcessExtendTheSameChain) {
    TempDir dir;
    const std::string path = dir.file("shared.db");
    auto first = Database::open(path);
    auto second = Database::open(path);
    ASSERT_TRUE(first && second);
    auto appender = AuditAppender::create(**first);
    ASSERT_FALSE(appender);  // no schema yet: an error, not a crash
    ASSERT_TRUE(migrateAuditSchema(**first));
    auto cached = AuditAppender::create(**first);
    ASSERT_TRUE(cached);
    ASSERT_TRUE(cached->append({sampleEvent(1, 1), sampleEvent(2, 2)}));
    ASSERT_TRUE(appendEvents(**second, {sampleEvent(3, 3)}));
    // The long-lived appender reads the head inside its transaction, so it sees seq 3.
    auto next = cached->append({sampleEvent(4, 4)});
    ASSERT_TRUE(next);
    EXPECT_EQ(next->events.front().seq, 4u);

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto own = Database::open(path);
        const bool ok = own && appendEvents(**own, {sampleEvent(5, 5), sampleEvent(6, 6)}).ok();
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_TRUE(cached->append({sampleEvent(7, 7)}));

    auto all = readAll(**second);
    ASSERT_EQ(all.size(), 7u);
    expectContinuousChain(all);
}

TEST(AuditChain, FullDiskIsAnErrorAndStoresNothingOfTheBatch) {
    TempDir dir;
    auto db = Database::open(dir.file("full.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(appendEvents(**db, {sampleEvent(1, 1)}));
    ASSERT_TRUE((*db)->exec("PRAGMA max_page_count = 8"));
    std::vector<Event> big;
    for (int i = 0; i < 200; ++i) {
        Event e = sampleEvent(i, 2);
        e.payload = "{\"pad\":\"" + std::string(500, 'x') + "\"}";
        big.push_back(e);
    }
    auto r = appendEvents(**db, big);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "audit.append");
    EXPECT_NE(r.error().message.find("full"), std::string::npos) << r.error().message;
    auto all = readAll(**db);
    EXPECT_EQ(all.size(), 1u);
    // The connection is still usable once space is back.
    ASSERT_TRUE((*db)->exec("PRAGMA max_page_count = 1000000"));
    ASSERT_TRUE(appendEvents(**db, {sampleEvent(2, 3)}));
    expectContinuousChain(readAll(**db));
}

TEST(AuditChain, UnsetTimeIsStampedInsideTheTransaction) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    const TimeUs before = SystemClock().nowUs();
    auto r = appendEvents(**db, {sampleEvent(1, 0)});
    ASSERT_TRUE(r);
    EXPECT_GE(r->front().event.timeUs, before);
    EXPECT_EQ(r->front().hash, auditEventHash(1, r->front().event, Hash{}));
    expectContinuousChain(readAll(**db));
}

TEST(AuditChain, RecordingTimeIsTheLatestOfEventRowAndCheckpoint) {
    EXPECT_EQ(recordingTime(100, 999, 50, 60), 100);
    EXPECT_EQ(recordingTime(0, 999, 50, 60), 999);  // no time of its own: now
    EXPECT_EQ(recordingTime(40, 999, 50, 60), 60);  // never before the newest checkpoint
    EXPECT_EQ(recordingTime(40, 999, 70, 60), 70);  // nor before the row before it
}

TEST(AuditChain, StoredTimeNeverGoesBackAlongSeqNorBeforeTheNewestCheckpoint) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    auto first = appendEvents(**db, {sampleEvent(1, 1000), sampleEvent(2, 400)});
    ASSERT_TRUE(first);
    EXPECT_EQ((*first)[1].event.timeUs, 1000);  // an earlier event is recorded at the row's time
    ASSERT_TRUE((*db)->exec("INSERT INTO audit_checkpoints VALUES(2, x'00', 5000, x'00')"));
    auto second = appendEvents(**db, {sampleEvent(3, 2000)});
    ASSERT_TRUE(second);
    EXPECT_EQ((*second)[0].event.timeUs, 5000);
    expectContinuousChain(readAll(**db));
}

TEST(AuditChain, AnInsertThatStoresNoRowFailsTheAppend) {
    TempDir dir;
    auto db = Database::open(dir.file("a.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrateAuditSchema(**db));
    auto appender = AuditAppender::create(**db);
    ASSERT_TRUE(appender) << appender.error().message;
    ASSERT_TRUE(appender->append({sampleEvent(1, 1)}));
    // A temporary trigger lives on this connection only and is not in the file's schema: the
    // row count is what tells.
    ASSERT_TRUE(
        (*db)->exec("CREATE TEMP TRIGGER quiet BEFORE INSERT ON main.audit_events"
                    " BEGIN SELECT RAISE(IGNORE); END"));
    auto dropped = appender->append({sampleEvent(2, 2)});
    ASSERT_FALSE(dropped);
    EXPECT_EQ(dropped.error().code, "audit.insert_dropped");
    EXPECT_EQ(readAll(**db).size(), 1u);
}

TEST(AuditChain, SchemaObjectsTheContractDoesNotListAreRefused) {
    const char* const tampering[] = {
        "CREATE TRIGGER quiet BEFORE INSERT ON audit_events BEGIN SELECT RAISE(IGNORE); END",
        "CREATE TRIGGER rewrite AFTER INSERT ON audit_events BEGIN"
        " UPDATE audit_events SET payload = '{}' WHERE seq = NEW.seq; END",
        "CREATE INDEX audit_events_by_type ON audit_events(type)",
        "CREATE TABLE audit_shadow(x)",
        "CREATE VIEW recent AS SELECT * FROM audit_events",
        "CREATE TABLE cards(uid TEXT); CREATE TRIGGER cards_note AFTER INSERT ON cards BEGIN"
        " DELETE FROM audit_checkpoints; END",
        "ALTER TABLE audit_events ADD COLUMN note TEXT",
        "ALTER TABLE audit_events RENAME TO audit_all;"
        " CREATE VIEW audit_events AS SELECT * FROM audit_all",
    };
    for (const char* sql : tampering) {
        TempDir dir;
        auto db = Database::open(dir.file("a.db"));
        ASSERT_TRUE(db);
        ASSERT_TRUE(migrateAuditSchema(**db));
        ASSERT_TRUE(AuditAppender::create(**db)) << "the migrated schema is the contract";
        auto later = Database::open(dir.file("a.db"));
        ASSERT_TRUE(later);
        auto running = AuditAppender::create(**later);
        ASSERT_TRUE(running);
        ASSERT_TRUE((*db)->exec(sql)) << sql;
        auto refused = AuditAppender::create(**db);
        ASSERT_FALSE(refused) << sql;
        EXPECT_EQ(refused.error().code, "audit.schema_tampered") << sql;
        // An appender that was already running sees the schema change before its next write.
        auto append = running->append({sampleEvent(1, 1)});
        EXPECT_FALSE(append) << sql;
    }
}
