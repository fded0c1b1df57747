// Audited append (stored + chained + checkpointed, measured until committed) against a bare
// SQLite insert of the same rows with the same durability (WAL, synchronous=FULL) and the
// same batch size, in the same run. The bar: >= 50,000 events/s and >= 0.5x bare.
//   audit_append_bench [--benchmark_min_time=2]   (SEKIMORI_BENCH_DIR picks the disk)
#include <benchmark/benchmark.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "core/audited_recorder.hpp"

using namespace sekimori::core;

namespace {

constexpr std::size_t kBatch = 1000;
constexpr int kEventsPerIteration = 10'000;

double gAuditedRate = 0;
double gBareRate = 0;

std::filesystem::path freshDir(const char* name) {
    const char* base = std::getenv("SEKIMORI_BENCH_DIR");
    std::random_device rd;
    auto dir = std::filesystem::path(base ? base : std::filesystem::temp_directory_path()) /
               (std::string("sekimori-bench-") + name + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    return dir;
}

// timeUs 0: stamped when recorded, as the daemon's producers do. (Events dated before the
// newest checkpoint would each get a covering checkpoint in their own transaction.)
Event benchEvent(int i) {
    Event e;
    e.timeUs = 0;
    e.type = "access.granted";
    e.source = "door:server-room";
    e.subject = "p-" + std::to_string(1000 + i % 500);
    e.payload = "{\"door\":\"server-room\",\"side\":\"outer\",\"person\":\"" + e.subject +
                "\",\"person_name\":\"Sato Hanako\",\"decision\":\"granted\",\"reason\":\"ok\"}";
    return e;
}

void auditedAppend(benchmark::State& state) {
    const auto dir = freshDir("audited");
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    std::thread ioThread([&] { io.run(); });
    EventBus bus;  // publication happens on the io thread, as in the daemon
    SystemClock clock;
    AuditedRecorderOptions options;
    options.signingKeyPath = (dir / "keys/audit-signing.key").string();
    options.maxBatch = kBatch;
    std::uint64_t checkpoints = 0;
    options.onCheckpoint = [&](const std::string&) { ++checkpoints; };
    auto db = Database::open((dir / "site.db").string());
    auto recorder = AuditedRecorder::create(std::move(*db), io.get_executor(), bus, clock, options);
    if (!recorder) {
        state.SkipWithError(recorder.error().message.c_str());
        return;
    }
    std::vector<Event> events;
    for (int i = 0; i < kEventsPerIteration; ++i) {
        events.push_back(benchEvent(i));
    }
    std::int64_t total = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        for (const auto& e : events) {
            (*recorder)->record(e);
        }
        if (auto r = (*recorder)->flush(); !r) {
            state.SkipWithError(r.error().message.c_str());
            break;
        }
        total += kEventsPerIteration;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gAuditedRate = static_cast<double>(total) / seconds;
    (*recorder)->stop();
    state.SetItemsProcessed(total);
    state.counters["checkpoints"] = static_cast<double>(checkpoints);
    recorder->reset();
    guard.reset();
    ioThread.join();
    std::filesystem::remove_all(dir);
}

void bareInsert(benchmark::State& state) {
    const auto dir = freshDir("bare");
    auto db = Database::open((dir / "site.db").string());
    if (!db || !(*db)->exec("CREATE TABLE events(seq INTEGER PRIMARY KEY, time_us INTEGER NOT "
                            "NULL, type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT "
                            "NULL, payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB "
                            "NOT NULL)")) {
        state.SkipWithError("cannot create the bare table");
        return;
    }
    auto insert = (*db)->prepare("INSERT INTO events VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
    std::vector<Event> events;
    for (int i = 0; i < kEventsPerIteration; ++i) {
        events.push_back(benchEvent(i));
    }
    const Hash filler{};
    SystemClock clock;
    std::int64_t seq = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        for (std::size_t first = 0; first < events.size(); first += kBatch) {
            (void)(*db)->exec("BEGIN IMMEDIATE");
            for (std::size_t i = first; i < std::min(events.size(), first + kBatch); ++i) {
                const Event& e = events[i];
                insert->bind(1, ++seq)
                    .bind(2, clock.nowUs())
                    .bind(3, e.type)
                    .bind(4, e.source)
                    .bind(5, e.subject)
                    .bind(6, e.payload)
                    .bindBlob(7, filler.data(), filler.size())
                    .bindBlob(8, filler.data(), filler.size());
                if (!insert->run()) {
                    state.SkipWithError("insert failed");
                    return;
                }
            }
            if (!(*db)->exec("COMMIT")) {
                state.SkipWithError("commit failed");
                return;
            }
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gBareRate = static_cast<double>(seq) / seconds;
    state.SetItemsProcessed(seq);
    std::filesystem::remove_all(dir);
}

BENCHMARK(bareInsert)->Name("bare_sqlite_insert/batch:1000")->UseRealTime()->MinTime(2.0);
BENCHMARK(auditedAppend)->Name("audited_append/batch:1000")->UseRealTime()->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (gAuditedRate > 0 && gBareRate > 0) {
        const double ratio = gAuditedRate / gBareRate;
        std::printf(
            "audited append %.0f events/s, bare insert %.0f rows/s, ratio %.2f "
            "(bar: >= 50000 events/s and >= 0.50): %s\n",
            gAuditedRate, gBareRate, ratio,
            gAuditedRate >= 50'000 && ratio >= 0.5 ? "PASS" : "FAIL");
        return gAuditedRate >= 50'000 && ratio >= 0.5 ? 0 : 1;
    }
    return 0;
}
