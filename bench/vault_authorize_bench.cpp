// vault_authorize_bench: the vault's authorize question over HTTPS (issue 19, "What must hold"
// 2), beside a bare HTTPS round trip through the same console in the same run. The site: the
// real ConsoleServer and AuditedRecorder on SQLite (WAL, synchronous=FULL), the real
// VaultService with its MQTT link to a real mosquitto, 10,000 designated handlers each with an
// open window and 500 of them inside the handling area — all recorded in the trail first and
// read back by the service's own start-up rebuild, as after a restart.
//
// Load: open loop at --rate queries/s spread over --clients keep-alive TLS connections, each
// query signed by the vault's key (Ed25519, a fresh nonce) and recorded by the daemon. Latency
// is from the query's scheduled send time (a late send counts against us), to the whole answer.
// The bare round trip is a signed-route stand-in that answers {} at once: the same TLS, HTTP
// parsing, routing and JSON reply, none of the vault's work. Bar: authorize p99 <= 2 ms.
//
//   vault_authorize_bench [--rate 1000] [--seconds 10] [--clients 8] [--smoke]
// Release build only (bench/README.md); --smoke is a short run at a low rate with no bar.
#include <sodium.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "console/console_server.hpp"
#include "core/audited_recorder.hpp"
#include "core/event_bus.hpp"
#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "policy/rfc3339.hpp"
#include "tests/io/broker_fixture.hpp"
#include "vault/signed_request.hpp"
#include "vault/vault_event_types.hpp"
#include "vault/vault_service.hpp"
#include "vault/vault_state.hpp"

namespace {

using namespace sekimori;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Micros = std::chrono::duration<double, std::micro>;

constexpr const char* kSite = "bench";
constexpr const char* kArea = "handling";
constexpr int kHandlers = 10'000;
constexpr int kInside = 500;
constexpr std::chrono::microseconds kP99Bar{2000};

[[noreturn]] void die(const std::string& what) {
    std::cerr << "vault_authorize_bench: " << what << std::endl;
    std::_Exit(2);
}

template <class T>
T require(core::Result<T> result, const std::string& what) {
    if (!result) {
        die(what + ": " + result.error().message);
    }
    return std::move(result.value());
}

void require(const core::Result<void>& result, const std::string& what) {
    if (!result) {
        die(what + ": " + result.error().message);
    }
}

// The vault: its key pair, and the headers of a signed request.
struct Vault {
    std::string pub = std::string(crypto_sign_PUBLICKEYBYTES, '\0');
    std::string sec = std::string(crypto_sign_SECRETKEYBYTES, '\0');
    std::atomic<std::uint64_t> nonce{0};
    Vault() {
        crypto_sign_keypair(reinterpret_cast<unsigned char*>(pub.data()),
                            reinterpret_cast<unsigned char*>(sec.data()));
    }
    vault::SignedRequest sign(const std::string& method, const std::string& target,
                              const std::string& body) {
        vault::SignedRequest r;
        r.method = method;
        r.target = target;
        r.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        r.nonce = "bench-nonce-" + std::to_string(1'000'000 + nonce++);
        r.body = body;
        const std::string message =
            vault::canonicalRequest(method, target, r.timestamp, r.nonce, body);
        std::string sig(crypto_sign_BYTES, '\0');
        crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                             reinterpret_cast<const unsigned char*>(sec.data()));
        r.signature = core::toHex(sig);
        return r;
    }
};

std::string person(int i) {
    return "h" + std::to_string(100'000 + i);
}

// The baseline: a signed-request route that checks nothing and answers {} at once.
class BareRoute final : public core::Service {
  public:
    std::string_view name() const override { return "bench"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::ApiRoute> routes() override {
        core::ApiRoute r;
        r.method = core::HttpMethod::post;
        r.pattern = "/api/bench/bare";
        r.roles = core::RoleSet{core::Role::securityAdmin};
        r.auth = core::RouteAuth::signedRequest;
        r.handler = [](const core::ApiCall&, core::ApiReply reply) {
            reply(core::ApiResult{200, json::object()});
        };
        return {std::move(r)};
    }
};

// The trail a day leaves before the restart the service rebuilds from: designations (two
// requests of 5,000), one window each from an hour ago for 12 hours, and 500 people inside.
void seedTrail(core::AuditedRecorder& recorder, Vault& v, core::TimeUs now) {
    for (int part = 0; part < kHandlers / 5000; ++part) {
        json set = json::array();
        for (int i = part * 5000; i < (part + 1) * 5000; ++i) {
            set.push_back({{"person", person(i)}, {"areas", {kArea}}});
        }
        const std::string body = json{{"set", set}}.dump();
        json payload{{"actor", "vault"},
                     {"set", set},
                     {"removed", json::array()},
                     {"request", vault::requestJson(v.sign("POST", "/api/vault/handlers", body))}};
        recorder.record(core::Event{now, std::string(vault::kVaultHandlersChanged.name), "vault",
                                    "", payload.dump()});
    }
    constexpr core::TimeUs kHourUs = 3'600'000'000LL;
    const std::string from = policy::formatRfc3339(now - kHourUs, 540);
    const std::string to = policy::formatRfc3339(now + 12 * kHourUs, 540);
    for (int i = 0; i < kHandlers; ++i) {
        const std::string body = json{
            {"approval_id", "APR-" + std::to_string(i)},
            {"person", person(i)},
            {"area", kArea},
            {"from", from},
            {"to", to}}.dump();
        json payload{{"actor", "vault"},
                     {"request", vault::requestJson(v.sign("POST", "/api/vault/windows", body))}};
        recorder.record(core::Event{now, std::string(vault::kVaultWindowApproved.name), "vault",
                                    person(i), payload.dump()});
    }
    for (int i = 0; i < kInside; ++i) {
        recorder.record(core::Event{now, "presence.entered", "door:bench", person(i),
                                    json{{"person", person(i)}, {"zone", kArea}}.dump()});
    }
    require(recorder.flush(), "seed the trail");
}

// A keep-alive TLS connection of one client thread.
class Connection {
  public:
    explicit Connection(std::uint16_t port)
        : tls_(asio::ssl::context::tls_client), stream_(ioc_, tls_) {
        tls_.set_verify_mode(asio::ssl::verify_none);  // the bench's own self-signed certificate
        beast::get_lowest_layer(stream_).connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        beast::get_lowest_layer(stream_).socket().set_option(asio::ip::tcp::no_delay(true));
        stream_.handshake(asio::ssl::stream_base::client);
    }
    unsigned post(const std::string& target, const std::string& body,
                  const vault::SignedRequest& signedRequest) {
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::content_type, "application/json");
        req.set("X-Vault-Timestamp", std::to_string(signedRequest.timestamp));
        req.set("X-Vault-Nonce", signedRequest.nonce);
        req.set("X-Vault-Signature", signedRequest.signature);
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        http::write(stream_, req);
        http::response<http::string_body> res;
        http::read(stream_, buffer_, res);
        return res.result_int();
    }

  private:
    asio::io_context ioc_;
    asio::ssl::context tls_;
    beast::ssl_stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

struct Stats {
    double p50 = 0, p99 = 0, max = 0;
    std::size_t n = 0, failed = 0;
};

Stats stats(std::vector<double> v, std::size_t failed) {
    Stats s;
    s.failed = failed;
    s.n = v.size();
    if (v.empty()) {
        return s;
    }
    std::sort(v.begin(), v.end());
    s.p50 = v[v.size() / 2];
    s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
    s.max = v.back();
    return s;
}

// Open loop: query k of client c is due at start + (k * clients + c) / rate.
Stats load(std::uint16_t port, Vault& v, const std::string& target, bool authorize, int rate,
           int seconds, int clients) {
    const int total = rate * seconds;
    const auto start = Clock::now() + std::chrono::milliseconds(200);
    std::vector<std::vector<double>> latencies(clients);
    std::atomic<std::size_t> failed{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            Connection conn(port);
            std::mt19937 rng(static_cast<unsigned>(c));
            for (int k = c; k < total; k += clients) {
                const auto due = start + std::chrono::microseconds(static_cast<std::int64_t>(k) *
                                                                   1'000'000 / rate);
                std::this_thread::sleep_until(due);
                // Half inside with a second handler present, half outside: both paths.
                const int who = static_cast<int>(rng() % (2 * kInside));
                const std::string body =
                    authorize ? json{{"person", person(who)}, {"area", kArea}}.dump() : "{}";
                const auto signedRequest = v.sign("POST", target, body);
                const unsigned status = conn.post(target, body, signedRequest);
                const double took = Micros(Clock::now() - due).count();
                if (status != 200) {
                    ++failed;
                } else {
                    latencies[c].push_back(took);
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::vector<double> all;
    for (auto& l : latencies) {
        all.insert(all.end(), l.begin(), l.end());
    }
    return stats(std::move(all), failed);
}

}  // namespace

int main(int argc, char** argv) {
    int rate = 1000;
    int seconds = 10;
    int clients = 8;
    bool smoke = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--smoke") {
            smoke = true;
        } else if (a == "--rate" && i + 1 < argc) {
            rate = std::atoi(argv[++i]);
        } else if (a == "--seconds" && i + 1 < argc) {
            seconds = std::atoi(argv[++i]);
        } else if (a == "--clients" && i + 1 < argc) {
            clients = std::atoi(argv[++i]);
        } else {
            die("usage: vault_authorize_bench [--rate N] [--seconds N] [--clients N] [--smoke]");
        }
    }
    if (smoke) {
        rate = 100;
        seconds = 2;
        clients = 2;
    }
    if (sodium_init() < 0) {
        die("libsodium");
    }

    std::string dir = (std::filesystem::temp_directory_path() / "sekimori-vault-bench-XXXXXX");
    if (::mkdtemp(dir.data()) == nullptr) {
        die("mkdtemp");
    }
    const std::string cert =
        std::string(SEKIMORI_SOURCE_DIR) + "/scripts/make-cert " + dir + " > /dev/null";
    if (std::system(cert.c_str()) != 0) {
        die("scripts/make-cert");
    }
    const std::string dbPath = dir + "/site.db";

    test::MosquittoBroker broker({.site = kSite, .panels = {}, .services = {}});
    core::SystemClock clock;
    core::EventBus bus;
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    core::AuditedRecorderOptions audit;
    audit.signingKeyPath = dir + "/audit-signing.key";
    auto recorder =
        require(core::AuditedRecorder::create(require(core::Database::open(dbPath), "open db"),
                                              io.get_executor(), bus, clock, audit),
                "recorder");
    std::thread ioThread([&] { io.run(); });
    auto onIo = [&](auto fn) {
        std::packaged_task<decltype(fn())()> task(std::move(fn));
        auto result = task.get_future();
        asio::post(io, [&task] { task(); });
        return result.get();
    };

    Vault v;
    const auto seedStart = Clock::now();
    seedTrail(*recorder, v, clock.nowUs());
    std::printf("trail seeded: %d handlers, %d windows, %d inside in %.1f s\n", kHandlers,
                kHandlers, kInside,
                std::chrono::duration<double>(Clock::now() - seedStart).count());

    io::MqttOptions mqtt = broker.options("sekimorid");
    mqtt.persistenceDir.clear();
    auto link = io::makePahoMqttLink(io.get_executor(), mqtt);
    std::unique_ptr<io::MqttRouter> router;
    onIo([&] {
        router = std::make_unique<io::MqttRouter>(*link);
        return 0;
    });
    vault::VaultConfig config;
    config.enabled = true;
    config.areas = {kArea};
    auto service = require(vault::VaultService::create(vault::VaultServiceParts{io.get_executor(),
                                                                                *router,
                                                                                *recorder,
                                                                                bus,
                                                                                clock,
                                                                                kSite,
                                                                                540,
                                                                                config,
                                                                                {v.pub},
                                                                                dbPath,
                                                                                {}}),
                           "vault service");
    BareRoute bare;
    console::ConsoleOptions options;
    options.port = 0;
    options.certFile = dir + "/console-cert.pem";
    options.keyFile = dir + "/console-key.pem";
    options.webRoot = std::string(SEKIMORI_SOURCE_DIR) + "/console/web";
    options.dbPath = dbPath;
    options.workerThreads = 2;
    console::ConsoleServer server(io, options, bus, *recorder, clock);
    server.addService(*service);
    server.addService(bare);
    require(onIo([&] {
                link->start();
                if (auto r = service->start(); !r) {
                    return r;
                }
                return server.start();
            }),
            "start");
    const std::uint16_t port = server.port();

    // Ready once the rebuild answered: the authorize route stops saying 503.
    const auto rebuildStart = Clock::now();
    for (;;) {
        Connection probe(port);
        const std::string body = json{{"person", person(0)}, {"area", kArea}}.dump();
        const unsigned status =
            probe.post("/api/vault/authorize", body, v.sign("POST", "/api/vault/authorize", body));
        if (status == 200) {
            break;
        }
        if (status != 503 || Clock::now() - rebuildStart > std::chrono::seconds(120)) {
            die("the vault link never became ready (HTTP " + std::to_string(status) + ")");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::printf("rebuilt from the trail in %.2f s\n",
                std::chrono::duration<double>(Clock::now() - rebuildStart).count());

    const Stats baseline = load(port, v, "/api/bench/bare", false, rate, seconds, clients);
    const Stats asked = load(port, v, "/api/vault/authorize", true, rate, seconds, clients);

    std::printf(
        "%d queries/s for %d s over %d keep-alive TLS connections (latency from the "
        "scheduled send, µs)\n",
        rate, seconds, clients);
    std::printf("%-30s %9s %9s %9s %8s %7s\n", "", "p50", "p99", "max", "answered", "failed");
    for (const auto& [what, s] :
         {std::pair{"bare HTTPS round trip", baseline}, std::pair{"vault authorize", asked}}) {
        std::printf("%-30s %9.0f %9.0f %9.0f %8zu %7zu\n", what, s.p50, s.p99, s.max, s.n,
                    s.failed);
    }
    std::printf("authorize / bare: p50 x%.2f, p99 x%.2f\n", asked.p50 / baseline.p50,
                asked.p99 / baseline.p99);

    onIo([&] {
        server.stop();
        service->stop();
        return 0;
    });
    recorder->stop();
    onIo([&] {
        link->stop();
        return 0;
    });
    work.reset();
    io.stop();
    ioThread.join();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);

    if (asked.failed != 0 || baseline.failed != 0) {
        std::printf("FAIL: %zu authorize and %zu bare queries not answered 200\n", asked.failed,
                    baseline.failed);
        return 1;
    }
    if (!smoke && Micros(asked.p99) > kP99Bar) {
        std::printf("FAIL: authorize p99 %.0f µs above the %lld µs bar\n", asked.p99,
                    static_cast<long long>(kP99Bar.count()));
        return 1;
    }
    std::printf("%s\n", smoke ? "smoke: ok (no bar)" : "ok: authorize p99 within 2 ms");
    return 0;
}
