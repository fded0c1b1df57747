// A crash between a domain's row and the event that records it is impossible: a child process
// commits Changes as fast as it can (each writes one row and one event naming it) and is killed
// with SIGKILL at random moments, round after round, on a real file database; afterwards every
// row has its event, every event its row, and the chain verifies.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <semaphore>
#include <thread>

#include "audit_test_support.hpp"
#include "core/audit_verify.hpp"
#include "core/audited_recorder.hpp"

using namespace sekimori::core;
using namespace std::chrono_literals;
using sekimori::core::testing::TempDir;

namespace {

constexpr int kRounds = 40;
constexpr const char* kRowEvent = "test.row_written";

// Runs in the forked child until it is killed; never returns into the test runner.
[[noreturn]] void commitUntilKilled(const std::string& dbPath, const std::string& keyPath,
                                    std::int64_t firstId, int readyFd) {
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    std::thread ioThread([&] { io.run(); });
    EventBus bus;
    SystemClock clock;
    AuditedRecorderOptions options;
    options.signingKeyPath = keyPath;
    options.checkpointInterval = 5ms;  // checkpoints get killed mid-way too
    auto db = Database::open(dbPath);
    if (!db) {
        ::_exit(3);
    }
    auto recorder = AuditedRecorder::create(std::move(*db), io.get_executor(), bus, clock, options);
    if (!recorder) {
        ::_exit(4);
    }
    std::counting_semaphore<256> inFlight(256);
    bool readySent = false;
    std::atomic<bool> firstDurable{false};
    for (std::int64_t id = firstId;; ++id) {
        inFlight.acquire();
        Change change;
        change.events.push_back(
            Event{0, kRowEvent, "test", "", nlohmann::json{{"row", id}}.dump()});
        change.apply = [id](Database& writer) -> Result<std::vector<Event>> {
            auto insert = writer.prepare("INSERT INTO crash_rows(id) VALUES(?1)");
            if (!insert) {
                return insert.error();
            }
            insert->bind(1, id);
            if (auto r = insert->run(); !r) {
                return r.error();
            }
            return std::vector<Event>{};
        };
        change.onDone = [&](const Result<void>& r) {
            if (!r) {
                ::_exit(5);  // nothing in this test may fail
            }
            firstDurable = true;
            inFlight.release();
        };
        (*recorder)->commit(std::move(change));
        if (!readySent && firstDurable) {
            const char byte = 'r';
            if (::write(readyFd, &byte, 1) != 1) {
                ::_exit(6);
            }
            readySent = true;
        }
    }
}

std::int64_t single(Database& db, const std::string& sql) {
    auto s = db.prepare(sql);
    EXPECT_TRUE(s) << s.error().message;
    auto row = s->step();
    EXPECT_TRUE(row && *row);
    return s->columnInt(0);
}

}  // namespace

TEST(AuditedRecorderCrash, KilledWriterLeavesEveryRowWithItsEventAndTheChainIntact) {
    TempDir dir;
    const std::string dbPath = dir.file("site.db");
    const std::string keyPath = dir.file("keys/audit-signing.key");
    {
        auto db = Database::open(dbPath);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->exec("CREATE TABLE crash_rows(id INTEGER PRIMARY KEY)"));
        ASSERT_TRUE(migrateAuditSchema(**db));
    }
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> killAfterUs(0, 20'000);
    int killedWhileRunning = 0;
    for (int round = 0; round < kRounds; ++round) {
        int ready[2];
        ASSERT_EQ(::pipe(ready), 0);
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(ready[0]);
            commitUntilKilled(dbPath, keyPath, std::int64_t{round} * 100'000'000, ready[1]);
        }
        ::close(ready[1]);
        char byte = 0;
        ASSERT_EQ(::read(ready[0], &byte, 1), 1)
            << "round " << round << ": the child never committed";
        ::close(ready[0]);
        // The random moment of the crash, somewhere inside the stream of commits.
        std::this_thread::sleep_for(std::chrono::microseconds(killAfterUs(random)));
        ASSERT_EQ(::kill(child, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << ": the child exited with "
                                         << WEXITSTATUS(status) << " before it was killed";
        killedWhileRunning += WTERMSIG(status) == SIGKILL;
    }
    EXPECT_EQ(killedWhileRunning, kRounds);

    auto db = Database::open(dbPath);
    ASSERT_TRUE(db);
    const std::int64_t rows = single(**db, "SELECT count(*) FROM crash_rows");
    const std::int64_t events = single(
        **db, std::string("SELECT count(*) FROM audit_events WHERE type = '") + kRowEvent + "'");
    EXPECT_GT(rows, kRounds) << "the children committed too little to prove anything";
    EXPECT_EQ(single(**db, std::string("SELECT count(*) FROM crash_rows WHERE id NOT IN (SELECT "
                                       "json_extract(payload, '$.row') FROM audit_events WHERE "
                                       "type = '") +
                               kRowEvent + "')"),
              0)
        << "a row without its event";
    EXPECT_EQ(
        single(**db, std::string("SELECT count(*) FROM audit_events WHERE type = '") + kRowEvent +
                         "' AND json_extract(payload, '$.row') NOT IN (SELECT id FROM "
                         "crash_rows)"),
        0)
        << "an event without its row";
    EXPECT_EQ(rows, events);

    AuditVerifyOptions verify;
    verify.dbPath = dbPath;
    verify.nowUs = SystemClock().nowUs();
    auto report = verifyAudit(verify);
    ASSERT_TRUE(report) << report.error().message;
    for (const auto& finding : report->findings) {
        ADD_FAILURE() << finding.message;
    }
    EXPECT_TRUE(report->intact());
    std::cout << "[          ] " << kRounds << " kills, " << rows << " rows, " << report->eventCount
              << " events, " << report->checkpointCount << " checkpoints\n";
}
