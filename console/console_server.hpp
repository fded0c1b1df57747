#pragma once
// The console's HTTPS + WebSocket server on the daemon's io_context: REST API (its own routes
// and every service's), the static web shell and UI plugins, and the live /ws/events stream of
// every RecordedEvent published on the bus, filtered by role. The same API (same router,
// sessions and roles; no event stream) also answers plain HTTP/1.1 on a local Unix socket, the
// door the CLI uses (local_socket_listener.hpp).
//
// app/ builds it, adds each service, then starts it:
//     console::ConsoleServer console(io, options, bus, recorder, clock);
//     console.addService(doorsService);      // before start()
//     if (auto r = console.start(); !r) ...  // errors name a conflicting route or plugin
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "console/audit_status.hpp"
#include "console/http_session.hpp"
#include "console/local_socket_listener.hpp"
#include "console/session_store.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "core/site_config_model.hpp"

namespace sekimori::console {

class ConsoleApp;
class EventHub;

struct ConsoleOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8443;  // 0 picks a free port; see ConsoleServer::port()
    std::string certFile;       // PEM certificate chain (scripts/make-cert)
    std::string keyFile;        // PEM private key, mode 0600
    std::string webRoot;        // console/web
    std::string dbPath;         // the daemon's SQLite file
    // The local Unix socket for the CLI (app: <data_dir>/sekimori.sock); empty: none.
    std::string localSocketPath;
    // Origin browsers must send on POSTs and WebSocket upgrades, e.g. "https://console.site:8443".
    // Empty: https://localhost:<port> and https://127.0.0.1:<port>.
    std::string allowedOrigin;
    std::size_t bodyLimit = 16 * 1024;
    std::chrono::seconds requestTimeout{30};
    core::TimeUs sessionIdleUs = kDefaultSessionIdleUs;
    // A session ends this long after login however busy it is (12 h).
    core::TimeUs sessionLifetimeUs = kDefaultSessionLifetimeUs;
    // Threads for work that must not run on the io thread: SQLite reads, static files,
    // password hashing, RunOn::worker routes and stream bodies.
    unsigned workerThreads = 2;
    // The site and its zones: GET /api/site, /api/me's "site", the CSV export's local times.
    core::SiteInfo site;
    std::vector<core::ZoneConfig> zones;
    // POST /api/audit/verify runs core::verifyAudit with these (app/ fills in what
    // `sekimori audit verify` is given on the daemon's host: the checkpoint file, the pinned
    // audit key beside it, the panel keys, the site id, the audited tables); an empty dbPath
    // means dbPath above. GET /api/audit/status reports on these witnesses.
    core::AuditVerifyOptions auditVerify;
    std::vector<WitnessWatch> witnesses;
};

class ConsoleServer {
  public:
    // The io_context must be run by one thread (the daemon's); all handlers run there.
    ConsoleServer(boost::asio::io_context& io, ConsoleOptions options, core::EventBus& bus,
                  core::EventRecorder& recorder, core::Clock& clock);
    ~ConsoleServer();
    ConsoleServer(const ConsoleServer&) = delete;
    ConsoleServer& operator=(const ConsoleServer&) = delete;

    // Before start(): the service's routes(), eventVisibility() and uiPlugin() are taken when
    // the console starts. The service must outlive the ConsoleServer (worker handlers in
    // flight finish in its destructor).
    void addService(core::Service& service);

    // Opens the database (migrating the "console" schema), loads the certificate, registers
    // the console's routes and every added service's (an error names a malformed or
    // conflicting route, rule or plugin), binds and starts accepting; subscribes to
    // RecordedEvent on the bus; then the local socket, when one is configured (an error names
    // it: path too long, not a socket, another daemon on it). Call on the io thread or before
    // the io_context runs.
    core::Result<void> start();
    // Stops accepting (removing the local socket file), closes live WebSockets, unsubscribes.
    // Idempotent.
    void stop();
    std::uint16_t port() const { return boundPort_; }
    // WebSocket event streams currently joined.
    std::size_t liveStreams() const;

    // For tests and tools: the app behind the server (valid after start()).
    ConsoleApp* app() { return app_.get(); }

  private:
    void doAccept();
    core::Result<void> listenLocally();

    boost::asio::io_context& io_;
    ConsoleOptions options_;
    core::EventBus& bus_;
    core::EventRecorder& recorder_;
    core::Clock& clock_;
    boost::asio::thread_pool work_;
    std::vector<core::Service*> services_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::unique_ptr<LocalSocketListener> local_;
    std::shared_ptr<ConsoleApp> app_;
    std::shared_ptr<EventHub> hub_;
    core::EventBus::Token subscription_;
    std::uint16_t boundPort_ = 0;
    // Pending accept handlers hold a weak copy: after destruction they must not touch `this`.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::console
