// panel_journal_bench: what the panel's persistent journal costs per event (firmware/panel_journal
// over sim/file_journal_store, fdatasync on every record), beside the bare cost of the same bytes
// written to a plain file with write() + fdatasync() in the same run (Google Benchmark).
//
//   bare_write_fdatasync    baseline: write() of one journal record's bytes (~400) + fdatasync()
//   journal_append          PanelJournal::append of one encoded, signed protocol::PanelEvent
//                           (offline_granted, ~380 bytes): framed, CRC'd, written, fdatasync'd
//   journal_append_nosync   the same with the store's sync off: the journal's own CPU share
//   journal_ack64           ack (event_ack, cumulative) of a batch of 64: one 'A' record +
//                           fdatasync, with the compaction the store does every ~4 MiB acked
//                           (its share amortised over the acks; counter "compactions")
//   journal_ack64_compact   the same with a compaction on every ack (temporary file, fsync, rename,
//                           fsync of the directory): what an ack costs when it compacts
//
// The appends an ack needs are made with the timer paused (64 fdatasyncs each), so the ack benches
// run a fixed number of iterations. By default every bench runs 5 repetitions, randomly
// interleaved, so that a machine whose load changes weighs on all alike; the ratios at the end are
// of the medians. Release build, outside CI (SEKIMORI_BENCH_DIR picks the disk):
//
//   ninja -C build-bench panel_journal_bench && build-bench/bench/panel_journal_bench
//       [--benchmark_min_time=0.5] [--benchmark_repetitions=N] [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "firmware/panel_journal.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_link_auth.hpp"
#include "sim/file_journal_store.hpp"

namespace {

using namespace sekimori;

constexpr std::size_t kAckBatch = 64;  // firmware::kMaxInFlight: what one window's ack covers
constexpr benchmark::IterationCount kAckIterations = 300;
constexpr std::size_t kCapacity = 10'000'000;  // no bench may stop on a full journal

std::filesystem::path gDir;  // this run's files
std::string gPayload;        // the event as the runner keeps it
std::string gRecord;         // the bytes the store writes for it

const unsigned char* u8(const std::string& bytes) {
    return reinterpret_cast<const unsigned char*>(bytes.data());
}

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "panel_journal_bench: %s\n", why.c_str());
    std::exit(2);
}

// An offline grant as a panel journals it: every field set, signed by a real Ed25519 key over the
// report as the gateway verifies it (protocol/panel_link_auth.hpp). The journal never reads the
// payload, so one event appended again and again costs what a fresh one would.
std::string realisticPayload() {
    protocol::PanelEvent event;
    event.door = "hq-lobby-east-entrance";
    event.kind = protocol::DoorEventKind::offlineGranted;
    event.session = "k7q2m9x4-1742";
    event.side = protocol::DoorSide::entry;
    event.card = "04BE4C00000017A3";
    event.person = "p-000417";
    event.reason = "granted";
    event.counter = 1764590000123456;
    event.seq = 123456;
    event.occurredUs = 1764590000123456;
    std::string publicKey(crypto_sign_PUBLICKEYBYTES, '\0');
    std::string secretKey(crypto_sign_SECRETKEYBYTES, '\0');
    const core::Bytes seed = core::randomBytes(crypto_sign_SEEDBYTES);
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(publicKey.data()),
                             reinterpret_cast<unsigned char*>(secretKey.data()), u8(seed));
    const std::string input =
        protocol::reportSigningInput("bench", "p-lobby-east", protocol::encodeReport(event));
    std::string sig(crypto_sign_BYTES, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, u8(input),
                         input.size(), u8(secretKey));
    event.sig = core::toHex(sig);
    std::string payload = protocol::encode(event);
    if (const auto parsed = protocol::parsePanelEvent(payload); !parsed) {
        die("the bench's event does not parse: " + parsed.error);
    }
    return payload;
}

// The store's 'E' record for `payload` (sim/file_journal_store.hpp: u32 length | 'E' u64 seq
// payload | u32 CRC-32): the baseline writes exactly as many bytes, of the same kind.
std::string recordOf(const std::string& payload) {
    std::string body(1, 'E');
    for (int i = 0; i < 8; ++i) {
        body.push_back(static_cast<char>((123456ull >> (8 * i)) & 0xff));
    }
    body.append(payload);
    const auto put = [](std::string& out, std::uint32_t value) {
        for (int i = 0; i < 4; ++i) {
            out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
        }
    };
    std::string out;
    put(out, static_cast<std::uint32_t>(body.size()));
    out.append(body);
    put(out, sim::crc32(body));
    return out;
}

std::filesystem::path freshFile(const char* name) {
    static int made = 0;
    auto path = gDir / (std::string(name) + "-" + std::to_string(++made));
    std::filesystem::remove(path);
    return path;
}

void bareWriteFdatasync(benchmark::State& state) {
    const auto path = freshFile("bare");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        state.SkipWithError("cannot create the bare file");
        return;
    }
    for (auto _ : state) {
        if (::write(fd, gRecord.data(), gRecord.size()) != static_cast<ssize_t>(gRecord.size()) ||
            ::fdatasync(fd) != 0) {
            state.SkipWithError("write or fdatasync failed");
            break;
        }
    }
    ::close(fd);
    std::filesystem::remove(path);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(gRecord.size()));
}

// A journal over a fresh store file; opened, or the bench is skipped with the store's error.
struct OpenJournal {
    std::filesystem::path path;
    sim::FileJournalStore store;
    firmware::PanelJournal journal;
    OpenJournal(const char* name, sim::FileJournalStore::Options options)
        : path(freshFile(name)), store(path, options), journal({.capacity = kCapacity}, store) {}
    ~OpenJournal() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
};

void journalAppend(benchmark::State& state, bool sync) {
    OpenJournal j("journal", {.sync = sync});
    if (auto opened = j.journal.open(); !opened) {
        state.SkipWithError(opened.error.c_str());
        return;
    }
    for (auto _ : state) {
        if (auto kept = j.journal.append(gPayload); !kept) {
            state.SkipWithError(kept.error.c_str());
            break;
        }
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(gPayload.size()));
}

void journalAck(benchmark::State& state, std::uint64_t compactAfterBytes) {
    OpenJournal j("acked", {.sync = true, .compactAfterBytes = compactAfterBytes});
    if (auto opened = j.journal.open(); !opened) {
        state.SkipWithError(opened.error.c_str());
        return;
    }
    for (auto _ : state) {
        state.PauseTiming();
        for (std::size_t i = 0; i < kAckBatch; ++i) {
            if (auto kept = j.journal.append(gPayload); !kept) {
                state.SkipWithError(kept.error.c_str());
                return;
            }
        }
        state.ResumeTiming();
        bool progressed = false;
        if (auto acked = j.journal.ack(j.journal.lastSeq(), 0, &progressed);
            !acked || !progressed) {
            state.SkipWithError(acked ? "the ack dropped nothing" : acked.error.c_str());
            break;
        }
    }
    state.counters["compactions"] = benchmark::Counter(static_cast<double>(j.store.compactions()),
                                                       benchmark::Counter::kAvgIterations);
    state.counters["pending"] = static_cast<double>(j.journal.pending());
}

bool hasFlag(int argc, char** argv, const std::string& flag) {
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]).rfind(flag, 0) == 0) {
            return true;
        }
    }
    return false;
}

// The console's output, and each bench's time per operation for the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
  public:
    // Colour only on a terminal and unless --benchmark_color=false: the flag does not reach a
    // reporter made by the caller.
    RatioReporter(int argc, char** argv)
        : ConsoleReporter(isatty(STDOUT_FILENO) != 0 &&
                                  !hasFlag(argc, argv, "--benchmark_color=false")
                              ? OO_ColorTabular
                              : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            if (run.run_type == Run::RT_Iteration && !run.error_occurred && run.iterations > 0) {
                perOpNs_[run.run_name.function_name].push_back(run.real_accumulated_time * 1e9 /
                                                               static_cast<double>(run.iterations));
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }

    // The median time per operation of `name` over its repetitions; 0 when it did not run.
    double medianNs(const std::string& name) const {
        auto found = perOpNs_.find(name);
        if (found == perOpNs_.end() || found->second.empty()) {
            return 0;
        }
        std::vector<double> values = found->second;
        std::sort(values.begin(), values.end());
        const std::size_t n = values.size();
        return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
    std::size_t runsOf(const std::string& name) const {
        auto found = perOpNs_.find(name);
        return found == perOpNs_.end() ? 0 : found->second.size();
    }

  private:
    std::map<std::string, std::vector<double>> perOpNs_;
};

}  // namespace

int main(int argc, char** argv) {
    if (!core::initCrypto()) {
        die("libsodium did not initialise");
    }
    // Repetitions interleaved at random unless told otherwise (see the top of this file).
    std::vector<char*> args(argv, argv + argc);
    std::string repetitions = "--benchmark_repetitions=5";
    std::string interleave = "--benchmark_enable_random_interleaving=true";
    if (!hasFlag(argc, argv, "--benchmark_repetitions")) {
        args.push_back(repetitions.data());
    }
    if (!hasFlag(argc, argv, "--benchmark_enable_random_interleaving")) {
        args.push_back(interleave.data());
    }
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) {
        return 2;
    }

    const char* base = std::getenv("SEKIMORI_BENCH_DIR");
    std::random_device rd;
    gDir = std::filesystem::path(base ? base : std::filesystem::temp_directory_path()) /
           ("sekimori-panel-journal-bench-" + std::to_string(rd()));
    std::filesystem::create_directories(gDir);
    gPayload = realisticPayload();
    gRecord = recordOf(gPayload);
    std::printf("event payload %zu bytes, journal record %zu bytes, files in %s\n", gPayload.size(),
                gRecord.size(), gDir.c_str());

    benchmark::RegisterBenchmark("bare_write_fdatasync", bareWriteFdatasync)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("journal_append",
                                 [](benchmark::State& state) { journalAppend(state, true); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("journal_append_nosync",
                                 [](benchmark::State& state) { journalAppend(state, false); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("journal_ack64",
                                 [](benchmark::State& state) {
                                     journalAck(state,
                                                sim::FileJournalStore::Options{}.compactAfterBytes);
                                 })
        ->UseRealTime()
        ->Iterations(kAckIterations)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("journal_ack64_compact",
                                 [](benchmark::State& state) { journalAck(state, 0); })
        ->UseRealTime()
        ->Iterations(kAckIterations)
        ->Unit(benchmark::kMicrosecond);

    RatioReporter reporter(argc, argv);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    std::filesystem::remove_all(gDir);

    const double bare = reporter.medianNs("bare_write_fdatasync");
    std::printf(
        "\nmedian per operation over the repetitions, and its ratio to the bare "
        "write() + fdatasync() of the same bytes in this run:\n");
    for (const char* name : {"bare_write_fdatasync", "journal_append", "journal_append_nosync",
                             "journal_ack64", "journal_ack64_compact"}) {
        const double ns = reporter.medianNs(name);
        if (ns <= 0) {
            continue;
        }
        if (bare > 0) {
            std::printf("  %-24s %10.1f us  %6.2fx bare  (%zu runs)\n", name, ns / 1e3, ns / bare,
                        reporter.runsOf(name));
        } else {
            std::printf("  %-24s %10.1f us  (%zu runs; no baseline in this run)\n", name, ns / 1e3,
                        reporter.runsOf(name));
        }
    }
    return 0;
}
