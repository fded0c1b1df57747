#pragma once
// Everything the console answers over HTTP, without the network: the route table, login and
// sessions, role and Origin checks, static files and security headers. ConsoleServer feeds it
// parsed requests; it runs on the io thread and sends slow work (password hashing) to a pool.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "console/login_limiter.hpp"
#include "console/router.hpp"
#include "console/session_store.hpp"
#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

struct AppSettings {
    std::string webRoot;                      // directory with index.html, app.js, app.css
    std::vector<std::string> allowedOrigins;  // e.g. "https://localhost:8443"
    core::TimeUs sessionIdleUs = kDefaultSessionIdleUs;
};

class ConsoleApp : public std::enable_shared_from_this<ConsoleApp> {
  public:
    using JsonProvider = std::function<nlohmann::json()>;
    using SendResponse = std::function<void(HttpResponse)>;

    ConsoleApp(AppSettings settings, std::unique_ptr<core::Database> db,
               core::EventRecorder& recorder, const core::Clock& clock,
               boost::asio::any_io_executor ioExecutor, boost::asio::any_io_executor workExecutor);

    // Answers one request (API route or static file); `send` is called exactly once.
    void handle(const HttpRequest& request, const std::string& remote, SendResponse send);

    // For a WebSocket upgrade to /ws/events: the session allowed to subscribe, or the HTTP
    // response refusing it (401, 403, 404).
    std::variant<SessionInfo, HttpResponse> authorizeEvents(const HttpRequest& request,
                                                            const std::string& remote);

    void setDoorsProvider(JsonProvider provider) { doorsProvider_ = std::move(provider); }
    void setPresenceProvider(JsonProvider provider) { presenceProvider_ = std::move(provider); }
    // Called with a session key when that session ends (logout), to close its WebSockets.
    void onSessionEnded(std::function<void(const std::string&)> f) { sessionEnded_ = std::move(f); }
    void setAllowedOrigins(std::vector<std::string> origins) {
        settings_.allowedOrigins = std::move(origins);
    }

    const Router& router() const { return router_; }
    SessionStore& sessions() { return sessions_; }
    bool sessionIsLive(const std::string& key) const { return sessions_.isLive(key); }

  private:
    void registerRoutes();

    // Route handlers: validate first, then answer.
    void postLogin(const ApiRequest& req, Reply reply);
    void finishLogin(const std::string& name, const std::string& remote, bool passwordOk,
                     std::optional<Role> role, bool disabled, Reply reply);
    void postLogout(const ApiRequest& req, Reply reply);
    void getMe(const ApiRequest& req, Reply reply);
    void getEvents(const ApiRequest& req, Reply reply);
    void getDoors(const ApiRequest& req, Reply reply);
    void getPresence(const ApiRequest& req, Reply reply);
    void getPeople(const ApiRequest& req, Reply reply);
    void getCheckpoints(const ApiRequest& req, Reply reply);

    // The session for a cookie token, if it is live and its account still enabled.
    std::optional<SessionInfo> liveSession(const std::string& token);
    bool originAllowed(const HttpRequest& request) const;
    void recordOperatorEvent(std::string type, const std::string& subject, nlohmann::json payload);
    HttpResponse staticFile(const HttpRequest& request) const;

    AppSettings settings_;
    std::unique_ptr<core::Database> db_;
    core::EventRecorder& recorder_;
    const core::Clock& clock_;
    boost::asio::any_io_executor ioExecutor_;
    boost::asio::any_io_executor workExecutor_;
    Router router_;
    SessionStore sessions_;
    LoginLimiter limiter_;
    JsonProvider doorsProvider_;
    JsonProvider presenceProvider_;
    std::function<void(const std::string&)> sessionEnded_;
    std::shared_ptr<std::string> dummyHash_;  // touched on the work executor only
};

// Helpers shared with the network layer and tests.
std::string cookieValue(const HttpRequest& request, std::string_view name);
void applySecurityHeaders(HttpResponse& response, bool isApi);
HttpResponse toHttp(const HttpRequest& request, ApiResponse api);

}  // namespace sekimori::console
