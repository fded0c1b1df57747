// journal_upload_bench: how fast a panel's journal backlog reaches the trail over the real
// mosquitto on loopback, beside the bare broker carrying the same bytes in the same run (Google
// Benchmark; docs/offline.md "Upload and the trail").
//
// The panel: our firmware (firmware/door_panel_runner) behind the host HAL, its journal
// (firmware/panel_journal) in a file (sim/file_journal_store, fdatasync on every record), on its
// own account, link and io thread. The controller: the real PanelGateway (Ed25519 check of each
// report, doors/journal_intake, one Change per report, event_ack {seq} cumulative from the commit's
// onDone) on the real MqttRouter and AuditedRecorder (SQLite WAL, synchronous=FULL, chain,
// checkpoints). What DoorsService would add per report is replaced by its offline-grant event
// (doors::offlineDecisionEvent with the signed report as evidence, no presence move): the door
// state machine and the credential lookup are not in these figures.
//
//   journal_upload/N   N offline grants (~380-byte signed PanelEvents) journaled while the link
//                      was down (untimed), then the link comes up: timed until the panel holds the
//                      ack of the last one (every entry durable in the trail, the panel's journal
//                      empty). At most 64 in flight (firmware::kMaxInFlight), each ack an
//                      fdatasync on the panel.
//   bare_window64/N    baseline: N messages of the same size from the bench's MQTT account,
//                      at most 64 in flight, each echoed by a handler on the daemon's link (the
//                      same router and connection); timed until the last echo is back.
//   bare_round_trip    baseline: one such message and its echo, one at a time (publish QoS 1,
//                      wait for the answer: door_step_bench's bare broker round trip).
//
// Every client has TCP_NODELAY (io::TcpNoDelay, scripts/broker's set_tcp_nodelay) and no Paho
// file persistence (the panel's journal, like the daemon's database, is the outbox). By default
// 5 repetitions, randomly interleaved; the ratios at the end are of the medians. Release build,
// outside CI:
//
//   ninja -C build-bench journal_upload_bench && build-bench/bench/journal_upload_bench
//       [--benchmark_min_time=0.5] [--benchmark_repetitions=N] [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/sqlite_db.hpp"
#include "doors/door_events.hpp"
#include "doors/panel_gateway.hpp"
#include "firmware/door_panel_runner.hpp"
#include "firmware/panel_journal.hpp"
#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"
#include "sim/file_journal_store.hpp"
#include "sim/host_door_panel_hal.hpp"
#include "tests/io/broker_fixture.hpp"
#include "tests/io/io_thread.hpp"

namespace {

using namespace sekimori;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kSite = "bench";
constexpr const char* kPanel = "p-lobby-east";
constexpr const char* kDoor = "hq-lobby-east-entrance";
constexpr std::size_t kWindow = firmware::kMaxInFlight;  // 64
constexpr std::chrono::seconds kTimeout{120};

// The baseline's topics (scripts/broker: the bench account writes ping, reads pong; only the
// daemon's account writes pong): no domain handler sees them.
std::string pingTopic() {
    return std::string("sekimori/") + kSite + "/bench/ping";
}
std::string pongTopic() {
    return std::string("sekimori/") + kSite + "/bench/pong";
}

// Also called on the io threads: ends the process without destructors (the broker fixture's
// mosquitto dies with its parent).
[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "journal_upload_bench: %s\n", why.c_str());
    std::fflush(stderr);
    std::_Exit(2);
}

template <class T>
T require(core::Result<T> result, const std::string& what) {
    if (!result) {
        die(what + ": " + result.error().message);
    }
    return std::move(*result);
}

void require(const core::Result<void>& result, const std::string& what) {
    if (!result) {
        die(what + ": " + result.error().message);
    }
}

// A count that one thread raises and another waits on.
class Progress {
  public:
    void set(std::uint64_t value) {
        const std::lock_guard lock(mutex_);
        value_ = value;
        changed_.notify_all();
    }
    bool waitFor(std::uint64_t target) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kTimeout, [&] { return value_ >= target; });
    }
    std::uint64_t value() {
        const std::lock_guard lock(mutex_);
        return value_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t value_ = 0;
};

// The broker, the controller's side, the panel and the baseline's client, up once for every bench.
class Rig {
  public:
    explicit Rig(const std::filesystem::path& dir)
        : broker_({.site = kSite, .panels = {kPanel}, .services = {"bench"}}) {
        const core::Bytes panelKey = core::randomBytes(core::kBoxKeySize);
        const core::Bytes signingSeed = core::randomBytes(crypto_sign_SEEDBYTES);
        core::Bytes publicKey(crypto_sign_PUBLICKEYBYTES, '\0');
        core::Bytes secretKey(crypto_sign_SECRETKEYBYTES, '\0');
        crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(publicKey.data()),
                                 reinterpret_cast<unsigned char*>(secretKey.data()),
                                 reinterpret_cast<const unsigned char*>(signingSeed.data()));
        sodium_memzero(secretKey.data(), secretKey.size());
        keys_.panelKeys[kPanel] = panelKey;
        keys_.panelSignKeys[kPanel] = publicKey;

        // The controller.
        core::AuditedRecorderOptions recorderOptions;
        recorderOptions.signingKeyPath = (dir / "audit-signing.key").string();
        recorder_ =
            require(core::AuditedRecorder::create(
                        require(core::Database::open((dir / "site.db").string()), "database"),
                        daemonIo_.executor(), bus_, clock_, recorderOptions),
                    "recorder");
        daemonIo_.run([&] {
            daemonLink_ = io::makePahoMqttLink(daemonIo_.executor(), clientOptions("sekimorid"));
            router_ = std::make_unique<io::MqttRouter>(*daemonLink_);
            echo_ = router_->subscribe(pingTopic(), [this](const io::MqttMessage& message) {
                router_->publish(pongTopic(), message.payload);
            });
            gateway_ = std::make_unique<doors::PanelGateway>(daemonIo_.executor(), *router_,
                                                             *recorder_, clock_, kSite,
                                                             std::set<std::string>{kPanel}, keys_);
            doors::PanelGateway::Handlers handlers;
            handlers.onEvent = [this](const std::string&, const std::string&,
                                      const protocol::PanelEvent& event,
                                      const doors::SignedReport& signedReport) {
                const nlohmann::json evidence{{"panel_report", signedReport.report},
                                              {"panel_sig", signedReport.sig}};
                doors::ReportEvents made;
                made.report.push_back(
                    doors::offlineDecisionEvent(event, "Sato Hanako", evidence, clock_.nowUs()));
                return made;
            };
            daemonLink_->start();
            require(gateway_->start(std::move(handlers)), "gateway");
        });

        // The panel.
        panelIo_.run([&] {
            io::MqttOptions options = clientOptions(kPanel);
            options.subscriptions = {
                protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::link),
                protocol::panelTopic(kSite, kPanel, protocol::PanelChannel::command)};
            panelLink_ = io::makePahoMqttLink(panelIo_.executor(), options);
            hal_ = std::make_unique<sim::HostDoorPanelHal>(kSite, kPanel, panelKey, signingSeed,
                                                           *panelLink_, [](const std::string&) {});
            store_ = std::make_unique<sim::FileJournalStore>(dir / "panel.journal");
            journal_ = std::make_unique<firmware::PanelJournal>(firmware::JournalConfig{}, *store_);
            if (auto opened = journal_->open(); !opened) {
                die("panel journal: " + opened.error);
            }
            // Built whole, not assigned field by field: GCC 12 at -O3 reports a false
            // -Wmaybe-uninitialized inside std::string assignment to a default-constructed config.
            const firmware::PanelConfig config{
                .site = kSite, .panel = kPanel, .door = kDoor, .sessionPrefix = "k7q2m9x4"};
            runner_ = std::make_unique<firmware::DoorPanelRunner>(config, *hal_, *journal_);
            panelLink_->onMessage([this](const io::MqttMessage& message) {
                const auto topic = protocol::parsePanelTopic(kSite, message.topic);
                if (!topic) {
                    return;
                }
                if (topic->channel == protocol::PanelChannel::link) {
                    runner_->linkReceived(message.payload, nowMs());
                    linked_ = !runner_->state().linkEpoch.empty();
                } else if (topic->channel == protocol::PanelChannel::command) {
                    ++commands_;
                    runner_->commandReceived(message.payload, nowMs());
                    acked_.set(journal_->ackedThrough());
                }
            });
            // The bench says when the link is down (to build a backlog) and up: the MQTT client
            // stays connected throughout, as for a panel whose controller was unreachable.
            panelLink_->start();
        });

        // The baseline's client.
        pingIo_.run([&] {
            io::MqttOptions options = clientOptions("bench");
            options.subscriptions = {pongTopic()};
            pingLink_ = io::makePahoMqttLink(pingIo_.executor(), options);
            pingLink_->onMessage([this](const io::MqttMessage& message) {
                if (message.topic == pongTopic()) {
                    ++pongs_;
                    echoed_.set(pongs_);
                    fillWindow();
                }
            });
            pingLink_->start();
        });

        const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
        while (!linked_ || !pingIo_.run([this] { return pingLink_->connected(); }) ||
               !daemonIo_.run([this] { return router_->connected(); })) {
            if (SteadyClock::now() > deadline) {
                die("the panel, the baseline's client and the daemon's link not all up in 30 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pingPayload_ = panelIo_.run([this] { return signedEntry(1); });
    }

    ~Rig() {
        daemonIo_.run([this] {
            gateway_->stop();
            echo_.reset();
            daemonLink_->stop();
        });
        panelIo_.run([this] { panelLink_->stop(); });
        pingIo_.run([this] { pingLink_->stop(); });
        daemonIo_.run([this] {
            gateway_.reset();
            router_.reset();
            daemonLink_.reset();
        });
        recorder_->stop();
        panelIo_.run([this] {
            runner_.reset();
            journal_.reset();
            store_.reset();
            hal_.reset();
            panelLink_.reset();
        });
        pingIo_.run([this] { pingLink_.reset(); });
    }

    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    // --- the upload ------------------------------------------------------------------------
    // Takes the link down and journals `count` offline grants as the runner would (seq, signed,
    // durable). Returns the last seq, 0 when an append failed (`error` says why).
    std::uint64_t journalBacklog(std::size_t count, std::string& error) {
        return panelIo_.run([&]() -> std::uint64_t {
            runner_->linkStatus(false, nowMs());
            for (std::size_t i = 0; i < count; ++i) {
                if (auto kept = journal_->append(signedEntry(journal_->nextSeq())); !kept) {
                    error = kept.error;
                    return 0;
                }
            }
            return journal_->lastSeq();
        });
    }
    // The link is back: the runner publishes the first window; each ack refills it.
    void linkUp() {
        panelIo_.run([this] { runner_->linkStatus(true, nowMs()); });
    }
    bool waitAcked(std::uint64_t seq) { return acked_.waitFor(seq); }
    std::uint64_t commandsReceived() {
        return panelIo_.run([this] { return commands_; });
    }
    std::size_t entryBytes() { return pingPayload_.size(); }
    // What the controller holds as durable for the panel (doors/journal_intake).
    std::uint64_t durableSeq() {
        return daemonIo_.run([this] { return gateway_->intakeOf(kPanel)->durable(); });
    }
    std::size_t pendingOnPanel() {
        return panelIo_.run([this] { return journal_->pending(); });
    }

    // --- the baseline ----------------------------------------------------------------------
    // Sends `count` pings, at most `window` unanswered; returns the echo count to wait for.
    std::uint64_t startPings(std::uint64_t count, std::size_t window) {
        return pingIo_.run([&] {
            window_ = window;
            toSend_ += count;
            const std::uint64_t target = sent_ + count;
            fillWindow();
            return target;
        });
    }
    bool waitEchoed(std::uint64_t target) { return echoed_.waitFor(target); }

  private:
    io::MqttOptions clientOptions(const std::string& account) const {
        io::MqttOptions options = broker_.options(account);
        options.persistenceDir.clear();
        return options;
    }

    std::int64_t nowMs() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start_)
            .count();
    }

    // An offline grant as the panel's machine makes one (docs/mqtt.md "Offline operation").
    protocol::PanelEvent offlineGrant(std::uint64_t seq) const {
        protocol::PanelEvent event;
        event.door = kDoor;
        event.kind = protocol::DoorEventKind::offlineGranted;
        event.session = "k7q2m9x4-" + std::to_string(seq);
        event.side = protocol::DoorSide::entry;
        event.card = "04BE4C00000017A3";
        event.person = "p-000417";
        event.reason = "granted";
        event.counter = 1764590000000000 + seq;
        event.seq = seq;
        event.occurredUs = 1764590000000000 + static_cast<std::int64_t>(seq);
        return event;
    }
    // The entry as DoorPanelRunner keeps it: signed by the HAL over the report, then encoded.
    std::string signedEntry(std::uint64_t seq) {
        protocol::PanelEvent event = offlineGrant(seq);
        event.sig =
            hal_->sign(protocol::reportSigningInput(kSite, kPanel, protocol::encodeReport(event)));
        return protocol::encode(event);
    }

    // ping io thread
    void fillWindow() {
        while (sent_ < toSend_ && sent_ < pongs_ + window_) {
            pingLink_->publish(pingTopic(), pingPayload_);
            ++sent_;
        }
    }

    test::MosquittoBroker broker_;
    core::SystemClock clock_;
    core::EventBus bus_;
    doors::DoorKeys keys_;
    SteadyClock::time_point start_ = SteadyClock::now();

    test::IoThread daemonIo_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    std::unique_ptr<io::MqttLink> daemonLink_;
    std::unique_ptr<io::MqttRouter> router_;
    io::MqttRouter::Subscription echo_;
    std::unique_ptr<doors::PanelGateway> gateway_;

    test::IoThread panelIo_;
    std::unique_ptr<io::MqttLink> panelLink_;
    std::unique_ptr<sim::HostDoorPanelHal> hal_;
    std::unique_ptr<sim::FileJournalStore> store_;
    std::unique_ptr<firmware::PanelJournal> journal_;
    std::unique_ptr<firmware::DoorPanelRunner> runner_;
    std::atomic<bool> linked_{false};
    std::uint64_t commands_ = 0;  // panel io thread
    Progress acked_;              // the panel journal's acknowledged-through mark

    test::IoThread pingIo_;
    std::unique_ptr<io::MqttLink> pingLink_;
    std::string pingPayload_;  // an entry's bytes: the baseline carries what the upload does
    std::uint64_t sent_ = 0;   // ping io thread, from here
    std::uint64_t toSend_ = 0;
    std::uint64_t pongs_ = 0;
    std::size_t window_ = 1;
    Progress echoed_;
};

Rig* gRig = nullptr;

void bareRoundTrip(benchmark::State& state) {
    for (auto _ : state) {
        if (!gRig->waitEchoed(gRig->startPings(1, 1))) {
            state.SkipWithError("no echo within the time-out");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

void bareWindow(benchmark::State& state) {
    const auto count = static_cast<std::uint64_t>(state.range(0));
    for (auto _ : state) {
        if (!gRig->waitEchoed(gRig->startPings(count, kWindow))) {
            state.SkipWithError("not every echo within the time-out");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void journalUpload(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    const std::uint64_t commandsBefore = gRig->commandsReceived();
    std::uint64_t last = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::string error;
        last = gRig->journalBacklog(count, error);
        if (last == 0) {
            state.SkipWithError(error.c_str());
            break;
        }
        state.ResumeTiming();
        gRig->linkUp();
        if (!gRig->waitAcked(last)) {
            state.SkipWithError("the backlog was not acknowledged within the time-out");
            break;
        }
    }
    // Untimed: the controller holds every entry as durable and the panel's journal is empty.
    if (last != 0 && (gRig->durableSeq() < last || gRig->pendingOnPanel() != 0)) {
        state.SkipWithError("acknowledged, but the trail or the panel disagrees");
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.counters["entry_bytes"] = static_cast<double>(gRig->entryBytes());
    // event_acks the panel got per upload: one per commit of the recorder's, cumulative.
    state.counters["acks"] =
        benchmark::Counter(static_cast<double>(gRig->commandsReceived() - commandsBefore),
                           benchmark::Counter::kAvgIterations);
}

bool hasFlag(int argc, char** argv, const std::string& flag) {
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]).rfind(flag, 0) == 0) {
            return true;
        }
    }
    return false;
}

// The console's output, and each bench's time per item for the ratios.
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
                const double items = run.run_name.args.empty() ? 1 : std::stod(run.run_name.args);
                perItemUs_[key(run)].push_back(run.real_accumulated_time * 1e6 /
                                               (static_cast<double>(run.iterations) * items));
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }

    double medianUs(const std::string& name) const {
        auto found = perItemUs_.find(name);
        if (found == perItemUs_.end() || found->second.empty()) {
            return 0;
        }
        std::vector<double> values = found->second;
        std::sort(values.begin(), values.end());
        const std::size_t n = values.size();
        return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

  private:
    static std::string key(const Run& run) {
        return run.run_name.args.empty() ? run.run_name.function_name
                                         : run.run_name.function_name + "/" + run.run_name.args;
    }
    std::map<std::string, std::vector<double>> perItemUs_;
};

const std::vector<std::int64_t> kBacklogs{64, 1024, 8192};

}  // namespace

int main(int argc, char** argv) {
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
    require(core::initCrypto(), "crypto");
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sekimori-journal-upload-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        die("mkdtemp failed");
    }
    const std::filesystem::path dir = pattern;

    RatioReporter reporter(argc, argv);
    std::size_t entryBytes = 0;
    {
        std::unique_ptr<Rig> rig;
        try {
            rig = std::make_unique<Rig>(dir);
        } catch (const std::exception& e) {
            die(e.what());
        }
        gRig = rig.get();
        entryBytes = rig->entryBytes();
        std::printf(
            "journal entry (signed offline_granted) %zu bytes; the baseline's messages "
            "as many; window %zu\n",
            entryBytes, kWindow);

        benchmark::RegisterBenchmark("bare_round_trip", bareRoundTrip)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        auto* window = benchmark::RegisterBenchmark("bare_window64", bareWindow);
        auto* upload = benchmark::RegisterBenchmark("journal_upload", journalUpload);
        for (const std::int64_t n : kBacklogs) {
            window->Arg(n);
            upload->Arg(n);
        }
        window->UseRealTime()->Unit(benchmark::kMillisecond);
        upload->UseRealTime()->Unit(benchmark::kMillisecond);
        benchmark::RunSpecifiedBenchmarks(&reporter);
        benchmark::Shutdown();
        gRig = nullptr;
    }
    std::filesystem::remove_all(dir);

    const double trip = reporter.medianUs("bare_round_trip");
    std::printf(
        "\nmedian per entry over the repetitions (entries/s), against the bare broker "
        "carrying the same %zu-byte messages in this run:\n",
        entryBytes);
    if (trip > 0) {
        std::printf("  %-22s %9.1f us  (%8.0f /s)\n", "bare_round_trip", trip, 1e6 / trip);
    }
    for (const std::int64_t n : kBacklogs) {
        const std::string suffix = "/" + std::to_string(n);
        const double bare = reporter.medianUs("bare_window64" + suffix);
        const double upload = reporter.medianUs("journal_upload" + suffix);
        if (bare > 0) {
            std::printf("  %-22s %9.1f us  (%8.0f /s)\n", ("bare_window64" + suffix).c_str(), bare,
                        1e6 / bare);
        }
        if (upload > 0) {
            std::printf("  %-22s %9.1f us  (%8.0f /s)", ("journal_upload" + suffix).c_str(), upload,
                        1e6 / upload);
            if (bare > 0) {
                std::printf("  %5.2fx the windowed bare time per entry", upload / bare);
            }
            if (trip > 0) {
                std::printf(", %5.2fx one bare round trip", upload / trip);
            }
            std::printf("\n");
        }
    }
    return 0;
}
