// Audited append (queued, stored, chained, checkpointed, payload parsed for the bus; timed until
// committed) against a bare SQLite insert of the same rows with the same durability (WAL,
// synchronous=FULL), the same columns and the same batch size, in the same run. The two are
// measured in alternating rounds (bare-audited, audited-bare, ...) so that a machine whose load
// changes during the run (2 shared cores) weighs on both alike; the bar is on the median of the
// rounds' ratios. The bar (issue 11): >= 50,000 events/s and >= 0.8x bare; exit 1 below it.
//   audit_append_bench [--min-time=SECONDS per side, default 3] [--min-rounds=N, default 8]
//   (SEKIMORI_BENCH_DIR picks the disk)
#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/audited_recorder.hpp"

using namespace sekimori::core;

namespace {

constexpr std::size_t kBatch = 1000;
constexpr int kEventsPerRound = 10'000;
constexpr double kMinRatio = 0.8;
constexpr double kMinAuditedRate = 50'000;

using SteadyClock = std::chrono::steady_clock;

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

// The baseline: the same rows, prepared once, 1,000 per BEGIN IMMEDIATE ... COMMIT.
class BareInsert {
  public:
    bool open(const std::filesystem::path& dir) {
        auto db = Database::open((dir / "site.db").string());
        if (!db || !(*db)->exec("CREATE TABLE events(seq INTEGER PRIMARY KEY, time_us INTEGER NOT "
                                "NULL, type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT "
                                "NULL, payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB "
                                "NOT NULL)")) {
            return false;
        }
        db_ = std::move(*db);
        auto insert = db_->prepare("INSERT INTO events VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
        if (!insert) {
            return false;
        }
        insert_ = std::move(*insert);
        return true;
    }

    bool writeRound(const std::vector<Event>& events) {
        const Hash filler{};
        for (std::size_t first = 0; first < events.size(); first += kBatch) {
            if (!db_->exec("BEGIN IMMEDIATE")) {
                return false;
            }
            for (std::size_t i = first; i < std::min(events.size(), first + kBatch); ++i) {
                const Event& e = events[i];
                insert_.bind(1, ++seq_)
                    .bind(2, clock_.nowUs())
                    .bind(3, e.type)
                    .bind(4, e.source)
                    .bind(5, e.subject)
                    .bind(6, e.payload)
                    .bindBlob(7, filler.data(), filler.size())
                    .bindBlob(8, filler.data(), filler.size());
                if (!insert_.run()) {
                    return false;
                }
            }
            if (!db_->exec("COMMIT")) {
                return false;
            }
        }
        return true;
    }

  private:
    std::unique_ptr<Database> db_;
    Statement insert_;
    SystemClock clock_;
    std::int64_t seq_ = 0;
};

// The daemon's path: record() from another thread, publication on an io thread with one
// subscriber that reads the parsed body, as the console's hub does.
class AuditedAppend {
  public:
    AuditedAppend() : guard_(boost::asio::make_work_guard(io_)) {}
    ~AuditedAppend() {
        if (recorder_) {
            recorder_->stop();
        }
        recorder_.reset();
        guard_.reset();
        if (ioThread_.joinable()) {
            ioThread_.join();
        }
    }

    std::string open(const std::filesystem::path& dir) {
        ioThread_ = std::thread([this] { io_.run(); });
        token_ = bus_.subscribe<RecordedEvent>([this](const RecordedEvent& e) {
            if (e.body != nullptr && e.body->is_object()) {
                published_.fetch_add(1, std::memory_order_relaxed);
            }
        });
        AuditedRecorderOptions options;
        options.signingKeyPath = (dir / "keys/audit-signing.key").string();
        options.maxBatch = kBatch;
        options.onCheckpoint = [this](const std::string&) { ++checkpoints_; };
        auto db = Database::open((dir / "site.db").string());
        if (!db) {
            return db.error().message;
        }
        auto recorder =
            AuditedRecorder::create(std::move(*db), io_.get_executor(), bus_, clock_, options);
        if (!recorder) {
            return recorder.error().message;
        }
        recorder_ = std::move(*recorder);
        return {};
    }

    bool writeRound(const std::vector<Event>& events) {
        for (const auto& e : events) {
            recorder_->record(e);
        }
        expected_ += events.size();
        return recorder_->flush().ok();
    }

    // Untimed, after each round: the bus has every committed event, with its body, so that no
    // parsing spills over into the bare round that follows.
    bool allPublished() {
        const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
        while (published_.load() < expected_ && SteadyClock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        return published_.load() == expected_;
    }

    std::uint64_t checkpoints() const { return checkpoints_.load(); }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread ioThread_;
    EventBus bus_;
    EventBus::Token token_;
    SystemClock clock_;
    std::atomic<std::uint64_t> published_{0};
    std::uint64_t expected_ = 0;
    std::atomic<std::uint64_t> checkpoints_{0};
    std::unique_ptr<AuditedRecorder> recorder_;
};

// CPU time a thread of this process has used, by its name (/proc/self/task/*/comm), in µs.
// Load-independent, unlike the rates: tells what each side costs when the cores are shared.
double threadCpuUs(const std::string& name) {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string found;
        std::getline(comm, found);
        if (found == name) {
            std::ifstream schedstat(task.path() / "schedstat");
            double ns = 0;
            schedstat >> ns;  // first field: time on the CPU, ns
            return ns / 1000;
        }
    }
    return 0;
}

double thisThreadCpuUs() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// What one side's rounds cost in CPU: the calling thread, plus the recorder's own threads.
struct CpuUse {
    double callerUs = 0;
    double writerUs = 0;
    double publisherUs = 0;
};

double secondsOf(SteadyClock::duration d) {
    return std::chrono::duration<double>(d).count();
}

bool settle(BareInsert&) {
    return true;
}
bool settle(AuditedAppend& audited) {
    return audited.allPublished();
}

template <class Target>
bool timedRound(Target& target, const std::vector<Event>& events, SteadyClock::duration& total,
                double& rate, CpuUse& cpu) {
    const double callerBefore = thisThreadCpuUs();
    const double writerBefore = threadCpuUs("audit-writer");
    const double publisherBefore = threadCpuUs("audit-publish");
    const auto start = SteadyClock::now();
    const bool ok = target.writeRound(events);
    const auto took = SteadyClock::now() - start;
    total += took;
    rate = static_cast<double>(events.size()) / secondsOf(took);
    const bool settled = ok && settle(target);
    cpu.callerUs += thisThreadCpuUs() - callerBefore;
    cpu.writerUs += threadCpuUs("audit-writer") - writerBefore;
    cpu.publisherUs += threadCpuUs("audit-publish") - publisherBefore;
    return settled;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool optionValue(const std::string& arg, const std::string& name, double& into) {
    if (arg.rfind(name + "=", 0) != 0) {
        return false;
    }
    into = std::atof(arg.c_str() + name.size() + 1);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    double minTime = 3;
    double minRounds = 8;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (!optionValue(arg, "--min-time", minTime) &&
            !optionValue(arg, "--min-rounds", minRounds)) {
            std::fprintf(stderr, "usage: audit_append_bench [--min-time=S] [--min-rounds=N]\n");
            return 2;
        }
    }
    std::vector<Event> events;
    for (int i = 0; i < kEventsPerRound; ++i) {
        events.push_back(benchEvent(i));
    }
    const auto bareDir = freshDir("bare");
    const auto auditedDir = freshDir("audited");
    int status = 0;
    {
        BareInsert bare;
        AuditedAppend audited;
        if (!bare.open(bareDir)) {
            std::fprintf(stderr, "cannot create the bare table\n");
            return 2;
        }
        if (auto error = audited.open(auditedDir); !error.empty()) {
            std::fprintf(stderr, "cannot start the recorder: %s\n", error.c_str());
            return 2;
        }
        // Warm-up: caches, the first WAL pages, the signing key.
        if (!bare.writeRound(events) || !audited.writeRound(events) || !settle(audited)) {
            std::fprintf(stderr, "warm-up round failed\n");
            return 2;
        }
        SteadyClock::duration bareTotal{};
        SteadyClock::duration auditedTotal{};
        std::vector<double> ratios;
        CpuUse bareCpu;
        CpuUse auditedCpu;
        std::printf("%-6s %16s %16s %7s\n", "round", "bare rows/s", "audited ev/s", "ratio");
        for (int round = 0; round < minRounds || secondsOf(bareTotal) < minTime ||
                            secondsOf(auditedTotal) < minTime;
             ++round) {
            double bareRate = 0;
            double auditedRate = 0;
            bool ok = true;
            if (round % 2 == 0) {
                ok = timedRound(bare, events, bareTotal, bareRate, bareCpu) &&
                     timedRound(audited, events, auditedTotal, auditedRate, auditedCpu);
            } else {
                ok = timedRound(audited, events, auditedTotal, auditedRate, auditedCpu) &&
                     timedRound(bare, events, bareTotal, bareRate, bareCpu);
            }
            if (!ok) {
                std::fprintf(stderr,
                             "round %d failed to write, or not every committed event reached "
                             "the bus with its body\n",
                             round);
                return 2;
            }
            ratios.push_back(auditedRate / bareRate);
            std::printf("%-6d %16.0f %16.0f %7.2f\n", round, bareRate, auditedRate, ratios.back());
        }
        const double rounds = static_cast<double>(ratios.size());
        const double bareRate = rounds * kEventsPerRound / secondsOf(bareTotal);
        const double auditedRate = rounds * kEventsPerRound / secondsOf(auditedTotal);
        const double ratio = median(ratios);
        const double measured = rounds * kEventsPerRound;
        std::printf(
            "CPU per event: bare insert %.2f us; audited: caller %.2f + writer %.2f + publisher "
            "(parse for the bus) %.2f us\n",
            bareCpu.callerUs / measured, auditedCpu.callerUs / measured,
            auditedCpu.writerUs / measured, auditedCpu.publisherUs / measured);
        const bool pass = auditedRate >= kMinAuditedRate && ratio >= kMinRatio;
        std::printf(
            "audited append %.0f events/s, bare insert %.0f rows/s over %zu rounds; median ratio "
            "%.2f (bar: >= %.0f events/s and >= %.2f), %llu checkpoints: %s\n",
            auditedRate, bareRate, ratios.size(), ratio, kMinAuditedRate, kMinRatio,
            static_cast<unsigned long long>(audited.checkpoints()), pass ? "PASS" : "FAIL");
        status = pass ? 0 : 1;
    }
    std::filesystem::remove_all(bareDir);
    std::filesystem::remove_all(auditedDir);
    return status;
}
