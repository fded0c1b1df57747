#pragma once
// The console's HTTPS + WebSocket server on the daemon's io_context: REST API, static web UI and
// the live /ws/events stream of every RecordedEvent published on the bus.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "console/http_session.hpp"
#include "console/session_store.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"

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
    // Origin browsers must send on POSTs and WebSocket upgrades, e.g. "https://console.site:8443".
    // Empty: https://localhost:<port> and https://127.0.0.1:<port>.
    std::string allowedOrigin;
    std::size_t bodyLimit = 16 * 1024;
    std::chrono::seconds requestTimeout{30};
    core::TimeUs sessionIdleUs = kDefaultSessionIdleUs;
};

class ConsoleServer {
  public:
    // The io_context must be run by one thread (the daemon's); all handlers run there.
    ConsoleServer(boost::asio::io_context& io, ConsoleOptions options, core::EventBus& bus,
                  core::EventRecorder& recorder, core::Clock& clock);
    ~ConsoleServer();
    ConsoleServer(const ConsoleServer&) = delete;
    ConsoleServer& operator=(const ConsoleServer&) = delete;

    // Opens the database (migrating the "console" schema), loads the certificate, binds and
    // starts accepting; subscribes to RecordedEvent on the bus. Call on the io thread or
    // before the io_context runs.
    core::Result<void> start();
    // Stops accepting, closes live WebSockets, unsubscribes. Idempotent.
    void stop();
    std::uint16_t port() const { return boundPort_; }
    // WebSocket event streams currently joined.
    std::size_t liveStreams() const;

    // Data for GET /api/doors and GET /api/presence, called on the io thread per request.
    void setDoorsProvider(std::function<nlohmann::json()> provider);
    void setPresenceProvider(std::function<nlohmann::json()> provider);

    // For tests and tools: the app behind the server (valid after start()).
    ConsoleApp* app() { return app_.get(); }

  private:
    void doAccept();

    boost::asio::io_context& io_;
    ConsoleOptions options_;
    core::EventBus& bus_;
    core::EventRecorder& recorder_;
    core::Clock& clock_;
    boost::asio::thread_pool work_{1};
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::shared_ptr<ConsoleApp> app_;
    std::shared_ptr<EventHub> hub_;
    core::EventBus::Token subscription_;
    std::function<nlohmann::json()> doorsProvider_;
    std::function<nlohmann::json()> presenceProvider_;
    std::uint16_t boundPort_ = 0;
    // Pending accept handlers hold a weak copy: after destruction they must not touch `this`.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::console
