#pragma once
// Everything the console answers over HTTP, without the network: which request goes where
// (static files, plugin files, API routes), the Origin and CSRF checks, the session and role
// check before any handler, and the WebSocket admission. The routes themselves live in
// auth_routes, audit_routes, service_routes and the plugin listing here. A session that must
// still change its password (a new account, the bootstrap admin) gets 403
// password_change_required everywhere but the password change, logout and /api/me. It runs on the
// io thread; anything that blocks (SQLite, files, hashing) goes to the pool and comes back.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "console/console_context.hpp"
#include "console/http_helpers.hpp"
#include "console/router.hpp"
#include "core/service.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

class ConsoleApp : public std::enable_shared_from_this<ConsoleApp> {
  public:
    using SendAnswer = std::function<void(ConsoleAnswer)>;
    using EventsVerdict = std::variant<SessionInfo, HttpResponse>;

    ConsoleApp(AppSettings settings, std::unique_ptr<core::Database> db,
               core::EventRecorder& recorder, const core::Clock& clock,
               boost::asio::any_io_executor ioExecutor, boost::asio::any_io_executor workExecutor);

    // Registers the console's own routes and event rules; then services add theirs.
    core::Result<void> registerOwnRoutes();
    // A service's routes, event rules and UI plugin. An error names what conflicts.
    core::Result<void> addService(core::Service& service);
    // After the last addService: merges the message catalogue from the web root and every
    // plugin (console.bad_catalogue names the file and the key). Reads files: call at start.
    core::Result<void> loadCatalogue();

    // Answers one request; `send` is called exactly once, on the io thread.
    void handle(const HttpRequest& request, const std::string& remote, SendAnswer send);

    // For a WebSocket upgrade to /ws/events: `done` gets the session allowed to subscribe, or
    // the HTTP response refusing it (401, 403, 404), on the io thread.
    void authorizeEvents(const HttpRequest& request, const std::string& remote,
                         std::function<void(EventsVerdict)> done);

    // Called with a session key when that session ends (logout), to close its WebSockets.
    void onSessionEnded(std::function<void(const std::string&)> f) {
        context_->sessionEnded = std::move(f);
    }

    void setAllowedOrigins(std::vector<std::string> origins) {
        context_->settings.allowedOrigins = std::move(origins);
    }

    // One pass of the session sweep (expiry, account changes, coalesced failures) now, on the
    // io thread; the console also runs it every settings.sweepInterval.
    void sweepNow();
    // For tests: the bounded password-hash queue logins and password changes go through.
    PasswordWorkQueue& passwordWork() { return context_->passwordWork; }
    boost::asio::any_io_executor pool() const { return context_->pool; }
    boost::asio::any_io_executor io() const { return context_->io; }

    const Router& router() const { return router_; }
    const EventVisibilityRules& visibility() const { return context_->visibility; }
    SessionStore& sessions() { return context_->sessions; }
    bool sessionIsLive(const std::string& key) const { return context_->sessions.isLive(key); }

  private:
    void handleApi(const HttpRequest& request, std::string path, std::string queryText,
                   const std::string& remote, SendAnswer send);
    void serveWebFile(const HttpRequest& request, const std::string& path, SendAnswer send);
    void servePluginFile(const HttpRequest& request, const std::string& path, SendAnswer send);
    bool originAllowed(const HttpRequest& request) const;

    std::shared_ptr<ConsoleContext> context_;
    Router router_;
};

}  // namespace sekimori::console
