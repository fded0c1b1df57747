#include "console/console_server.hpp"

#include <algorithm>

#include "console/console_app.hpp"
#include "console/console_queries.hpp"
#include "console/event_hub.hpp"
#include "console/event_json.hpp"
#include "console/operator_store.hpp"
#include "console/tls_context.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ConsoleServer::ConsoleServer(asio::io_context& io, ConsoleOptions options, core::EventBus& bus,
                             core::EventRecorder& recorder, core::Clock& clock)
    : io_(io),
      options_(std::move(options)),
      bus_(bus),
      recorder_(recorder),
      clock_(clock),
      work_(std::max(1U, options_.workerThreads)),
      hub_(std::make_shared<EventHub>()) {}

ConsoleServer::~ConsoleServer() {
    stop();
    // Work in flight (queries, logins, stream chunks) finishes here; replies find the app gone
    // and drop.
    work_.join();
}

void ConsoleServer::addService(core::Service& service) {
    services_.push_back(&service);
}

core::Result<void> ConsoleServer::start() {
    if (auto r = core::initCrypto(); !r) {
        return r;
    }
    auto tls = makeServerTlsContext(options_.certFile, options_.keyFile);
    if (!tls) {
        return tls.error();
    }
    tls_ = std::move(*tls);
    auto db = core::Database::open(options_.dbPath);
    if (!db) {
        return db.error();
    }
    if (auto m = migrateOperatorStore(**db); !m) {
        return m;
    }
    // The stream's hello names the newest seq; until the bus brings one, the trail's.
    auto head = newestSeq(**db);
    if (!head) {
        return head.error();
    }
    AppSettings settings;
    settings.webRoot = options_.webRoot;
    settings.sessionIdleUs = options_.sessionIdleUs;
    settings.sessionLifetimeUs = options_.sessionLifetimeUs;
    settings.dbPath = options_.dbPath;
    settings.site = options_.site;
    settings.zones = options_.zones;
    settings.auditVerify = options_.auditVerify;
    settings.witnesses = options_.witnesses;
    auto app = std::make_shared<ConsoleApp>(std::move(settings), std::move(*db), recorder_, clock_,
                                            io_.get_executor(), work_.get_executor());
    if (auto r = app->registerOwnRoutes(); !r) {
        return r;
    }
    for (auto* service : services_) {
        if (auto r = app->addService(*service); !r) {
            return r;
        }
    }
    if (auto r = app->loadCatalogue(); !r) {
        return r;
    }
    hub_->noteSeq(*head);

    // The local socket first: once the HTTPS port answers (what scripts wait for), the CLI's
    // door is open too.
    if (auto r = listenLocally(); !r) {
        return r;
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
        local_.reset();  // removes the socket file
        return core::makeError("console.listen",
                               "address '" + options_.address + "': " + ec.message());
    }
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    const tcp::endpoint endpoint(address, options_.port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
        acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor->bind(endpoint, ec);
    }
    if (!ec) {
        acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        local_.reset();  // removes the socket file
        return core::makeError(
            "console.listen",
            options_.address + ":" + std::to_string(options_.port) + ": " + ec.message());
    }
    boundPort_ = acceptor->local_endpoint().port();
    acceptor_ = std::move(acceptor);

    if (options_.allowedOrigin.empty()) {
        const auto port = std::to_string(boundPort_);
        app->setAllowedOrigins({"https://localhost:" + port, "https://127.0.0.1:" + port});
    } else {
        app->setAllowedOrigins({options_.allowedOrigin});
    }
    app->onSessionEnded([hub = hub_](const std::string& key) { hub->closeSession(key); });
    hub_->setRules(app->visibility());
    app_ = std::move(app);

    subscription_ = bus_.subscribe<core::RecordedEvent>([hub = hub_](const core::RecordedEvent& e) {
        hub->broadcast(e.event.type, e.seq, eventMessage(e));
    });

    core::logInfo("console",
                  "listening on https://" + options_.address + ":" + std::to_string(boundPort_));
    doAccept();
    return {};
}

core::Result<void> ConsoleServer::listenLocally() {
    if (options_.localSocketPath.empty()) {
        return {};
    }
    auto listener = LocalSocketListener::open(io_, options_.localSocketPath);
    if (!listener) {
        return listener.error();
    }
    local_ = std::move(*listener);
    local_->start([this](LocalSocketListener::Socket socket, UnixPeer peer) {
        const HttpLimits limits{options_.bodyLimit, options_.requestTimeout};
        std::make_shared<LocalHttpSession>(LocalStream(std::move(socket)), localRemote(peer.user),
                                           app_, hub_, limits, work_.get_executor())
            ->run();
    });
    core::logInfo("console", "listening on the local socket " + options_.localSocketPath);
    return {};
}

void ConsoleServer::stop() {
    subscription_.reset();
    if (local_) {
        local_->stop();
        local_.reset();
    }
    if (acceptor_) {
        boost::system::error_code ignored;
        acceptor_->close(ignored);
        acceptor_.reset();
    }
    hub_->closeAll();
    app_.reset();
}

void ConsoleServer::doAccept() {
    if (!acceptor_) {
        return;
    }
    acceptor_->async_accept(io_, [this, alive = std::weak_ptr<int>(alive_)](
                                     boost::system::error_code ec, tcp::socket socket) {
        if (alive.expired() || ec == asio::error::operation_aborted || !acceptor_) {
            return;  // stopped
        }
        if (!ec) {
            const HttpLimits limits{options_.bodyLimit, options_.requestTimeout};
            boost::system::error_code peerError;
            const auto peer = socket.remote_endpoint(peerError);
            std::string remote = peerError ? std::string() : peer.address().to_string();
            std::make_shared<HttpSession>(TlsStream(std::move(socket), *tls_), std::move(remote),
                                          app_, hub_, limits, work_.get_executor())
                ->run();
        }
        doAccept();
    });
}

std::size_t ConsoleServer::liveStreams() const {
    return hub_->size();
}

}  // namespace sekimori::console
