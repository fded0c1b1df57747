// revocation_push_bench: how long a revocation takes to reach every online panel's local deny list
// (issue 14: "in every online panel's cache within 100 ms, p99").
//
// The real broker (scripts/broker's mosquitto, TCP_NODELAY on every hop), the real MqttRouter,
// AuditedRecorder (SQLite, synchronous=FULL), PanelGateway and RevocationPush; N panels, each our
// firmware (firmware/door_panel_runner) behind the host HAL on its own MQTT link and account. One
// revocation: person.card_revoked is recorded as enrollment records it; the time runs from that
// record() call, through the commit and the bus, the revoke command to every panel, each panel's
// deny-list update and its authenticated ack, to the last ack verified by the gateway. Bar: p99 of
// that time <= 100 ms; exit status 1 when missed, 2 when the run failed. Release build:
//
//   ninja -C build-bench revocation_push_bench && build-bench/bench/revocation_push_bench
//       [--panels N (10)] [--revocations N (200)]  |  --smoke (10 panels, 20 revocations, ctest)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/sqlite_db.hpp"
#include "doors/door_event_types.hpp"
#include "doors/panel_gateway.hpp"
#include "doors/revocation_push.hpp"
#include "firmware/door_panel_runner.hpp"
#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/topics.hpp"
#include "sim/host_door_panel_hal.hpp"
#include "tests/io/broker_fixture.hpp"
#include "tests/io/io_thread.hpp"

namespace {

using namespace sekimori;
using SteadyClock = std::chrono::steady_clock;
constexpr const char* kSite = "bench";
constexpr std::chrono::milliseconds kP99Bar{100};

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "revocation_push_bench: %s\n", why.c_str());
    std::exit(2);
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

// One panel: the firmware runner on its own link, all on the shared io thread.
struct Panel {
    std::string id;
    std::unique_ptr<io::MqttLink> link;
    std::unique_ptr<sim::HostDoorPanelHal> hal;
    std::unique_ptr<firmware::DoorPanelRunner> runner;
    SteadyClock::time_point start = SteadyClock::now();
    std::int64_t nowMs() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
            .count();
    }
};

int run(int panelCount, int revocations) {
    require(core::initCrypto(), "crypto");
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sekimori-revocation-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        die("mkdtemp failed");
    }
    const std::filesystem::path dir = pattern;
    std::vector<std::string> ids;
    for (int i = 0; i < panelCount; ++i) {
        ids.push_back("p-" + std::to_string(i));
    }
    int status = 0;
    {
        test::MosquittoBroker broker({.site = kSite, .panels = ids, .services = {}});
        test::IoThread io;
        core::SystemClock clock;
        core::EventBus bus;
        doors::DoorKeys keys;
        for (const auto& id : ids) {
            keys.panelKeys[id] = core::randomBytes(core::kBoxKeySize);
        }
        core::AuditedRecorderOptions recorderOptions;
        recorderOptions.signingKeyPath = (dir / "audit-signing.key").string();
        auto writer = require(core::Database::open((dir / "site.db").string()), "database");
        auto recorder = require(core::AuditedRecorder::create(std::move(writer), io.executor(), bus,
                                                              clock, recorderOptions),
                                "recorder");
        auto daemonLink = io.run(
            [&] { return io::makePahoMqttLink(io.executor(), broker.options("sekimorid")); });
        auto router = io.run([&] { return std::make_unique<io::MqttRouter>(*daemonLink); });
        auto gateway = io.run([&] {
            return std::make_unique<doors::PanelGateway>(
                io.executor(), *router, *recorder, clock, kSite,
                std::set<std::string>(ids.begin(), ids.end()), keys);
        });
        auto push = io.run([&] {
            return std::make_unique<doors::RevocationPush>(
                doors::RevocationPushParts{bus,
                                           *recorder,
                                           clock,
                                           *gateway,
                                           std::set<std::string>(ids.begin(), ids.end()),
                                           [](const std::string&) { return true; },
                                           {}});
        });

        // Acks verified by the gateway, per revocation id.
        std::mutex mutex;
        std::condition_variable changed;
        std::map<std::string, std::set<std::string>> acked;
        std::map<std::string, SteadyClock::time_point> lastAck;
        io.run([&] {
            gateway->onAck([&](const std::string& panel, const protocol::PanelAck& ack) {
                push->acked(panel, ack);
                const std::lock_guard lock(mutex);
                acked[ack.command].insert(panel);
                lastAck[ack.command] = SteadyClock::now();
                changed.notify_all();
            });
            daemonLink->start();
            require(gateway->start({}), "gateway");
            push->start();
        });

        std::vector<std::unique_ptr<Panel>> panels;
        std::atomic<int> linked{0};
        for (const auto& id : ids) {
            auto panel = std::make_unique<Panel>();
            panel->id = id;
            io::MqttOptions options = broker.options(id);
            options.subscriptions = {
                protocol::panelTopic(kSite, id, protocol::PanelChannel::link),
                protocol::panelTopic(kSite, id, protocol::PanelChannel::command)};
            Panel* raw = panel.get();
            io.run([&] {
                raw->link = io::makePahoMqttLink(io.executor(), options);
                raw->hal = std::make_unique<sim::HostDoorPanelHal>(
                    kSite, id, keys.panelKeys.at(id), core::randomBytes(32), *raw->link,
                    [](const std::string&) {});
                firmware::PanelConfig config;
                config.site = kSite;
                config.panel = id;
                config.door = "door-" + id;
                config.sessionPrefix = "b";
                raw->runner = std::make_unique<firmware::DoorPanelRunner>(config, *raw->hal);
                raw->link->onMessage([raw, &linked](const io::MqttMessage& message) {
                    auto topic = protocol::parsePanelTopic(kSite, message.topic);
                    if (!topic) {
                        return;
                    }
                    if (topic->channel == protocol::PanelChannel::link) {
                        const bool first = raw->runner->state().linkEpoch.empty();
                        raw->runner->linkReceived(message.payload, raw->nowMs());
                        if (first && !raw->runner->state().linkEpoch.empty()) {
                            ++linked;
                        }
                    } else if (topic->channel == protocol::PanelChannel::command) {
                        raw->runner->commandReceived(message.payload, raw->nowMs());
                    }
                });
                raw->link->start();  // connects on Paho's threads: all at once
            });
            panels.push_back(std::move(panel));
        }
        const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
        while (linked.load() < panelCount) {
            if (SteadyClock::now() > deadline) {
                die("only " + std::to_string(linked.load()) + " of " + std::to_string(panelCount) +
                    " panels took the link epoch in 60 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }

        const int warmup = std::max(2, revocations / 10);
        std::vector<double> latenciesMs;
        for (int i = 0; i < warmup + revocations; ++i) {
            char card[17];
            std::snprintf(card, sizeof card, "04BE%012X", i);
            const auto started = SteadyClock::now();
            // The revocation as enrollment records it; RevocationPush follows it on the bus.
            io.run([&] {
                nlohmann::json payload{
                    {"person", "p" + std::to_string(i)}, {"card", card}, {"why", "revoked"}};
                recorder->record(core::Event{clock.nowUs(),
                                             std::string(doors::kPersonCardRevoked.name), "console",
                                             "p" + std::to_string(i), payload.dump()});
            });
            // The id is the trigger's seq, which the bench does not know: wait for a new id
            // acknowledged by every panel.
            std::unique_lock lock(mutex);
            const bool done = changed.wait_for(lock, std::chrono::seconds(10), [&] {
                return acked.size() == static_cast<std::size_t>(i + 1) &&
                       std::all_of(acked.begin(), acked.end(), [&](const auto& entry) {
                           return entry.second.size() == static_cast<std::size_t>(panelCount);
                       });
            });
            if (!done) {
                die("revocation " + std::to_string(i) + " not acknowledged by every panel in 10 s");
            }
            SteadyClock::time_point last = started;
            for (const auto& [id, at] : lastAck) {
                last = std::max(last, at);
            }
            lastAck.clear();
            if (i >= warmup) {
                latenciesMs.push_back(
                    std::chrono::duration<double, std::milli>(last - started).count());
            }
        }
        // Every panel refuses the revoked cards at the reader now (checked on the io thread).
        io.run([&] {
            for (const auto& panel : panels) {
                if (!panel->runner->state().commands.denied.contains("04BE000000000000")) {
                    die("panel " + panel->id + " has not the first card in its deny list");
                }
            }
        });
        std::sort(latenciesMs.begin(), latenciesMs.end());
        const auto at = [&](double q) {
            return latenciesMs[std::min(latenciesMs.size() - 1,
                                        static_cast<std::size_t>(q * latenciesMs.size()))];
        };
        std::printf(
            "revocation_push_bench: %d revocations (after %d warm-up) to %d panels over "
            "mosquitto, every one acknowledged by every panel\n",
            revocations, warmup, panelCount);
        std::printf(
            "revocation recorded -> last panel's ack verified: p50 %.2f ms, p99 %.2f ms, "
            "max %.2f ms\n",
            at(0.50), at(0.99), latenciesMs.back());
        const bool ok = at(0.99) <= static_cast<double>(kP99Bar.count());
        std::printf("bar: p99 <= %lld ms %s\n", static_cast<long long>(kP99Bar.count()),
                    ok ? "met" : "MISSED");
        status = ok ? 0 : 1;
        io.run([&] {
            push->stop();
            for (auto& panel : panels) {
                panel->link->stop();
            }
            daemonLink->stop();
            gateway->stop();
            push.reset();
            gateway.reset();
            panels.clear();
            router.reset();
            daemonLink.reset();
        });
        recorder->stop();
    }
    std::filesystem::remove_all(dir);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    int panels = 10;
    int revocations = 200;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--smoke") {
            revocations = 20;
        } else if (arg == "--panels" && i + 1 < argc) {
            panels = std::atoi(argv[++i]);
        } else if (arg == "--revocations" && i + 1 < argc) {
            revocations = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr,
                         "usage: revocation_push_bench [--panels N] [--revocations N] | --smoke\n");
            return 2;
        }
    }
    if (panels < 1 || revocations < 1) {
        die("--panels and --revocations must be positive");
    }
    return run(panels, revocations);
}
