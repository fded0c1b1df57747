#include "console/console_app.hpp"

#include <boost/asio/post.hpp>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "console/console_queries.hpp"
#include "console/operator_store.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;
constexpr int kMaxEventLimit = 1000;
constexpr int kDefaultEventLimit = 100;
constexpr std::size_t kMaxPasswordLength = 1024;

// Who may watch the live event stream, and read the event history.
constexpr RoleSet kEventReaders{Role::deskOperator, Role::securityAdmin, Role::auditor};
constexpr RoleSet kSiteViewers{Role::deskOperator, Role::securityAdmin, Role::facilityAdmin};
constexpr RoleSet kAuditReaders{Role::auditor, Role::securityAdmin};
constexpr RoleSet kEnrollers{Role::facilityAdmin};

std::pair<std::string, std::string> splitTarget(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {std::string(target), ""};
    }
    return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::map<std::string, std::string> parseQuery(std::string_view query) {
    std::map<std::string, std::string> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        if (!part.empty()) {
            const auto eq = part.find('=');
            out[std::string(part.substr(0, eq))] =
                eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1));
        }
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    return out;
}

std::optional<ApiResponse> rejectUnknownQuery(const ApiRequest& req,
                                              std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : req.query) {
        bool ok = false;
        for (auto k : known) {
            ok = ok || key == k;
        }
        if (!ok) {
            return jsonError(http::status::bad_request, "unknown query parameter '" + key + "'");
        }
    }
    return std::nullopt;
}

// limit=N with 1 <= N <= kMaxEventLimit; absent means the default.
std::variant<int, ApiResponse> parseLimit(const ApiRequest& req) {
    auto it = req.query.find("limit");
    if (it == req.query.end()) {
        return kDefaultEventLimit;
    }
    int value = 0;
    const auto& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 1 ||
        value > kMaxEventLimit) {
        return jsonError(http::status::bad_request,
                         "limit: must be an integer from 1 to " + std::to_string(kMaxEventLimit));
    }
    return value;
}

ApiResponse internalError(const core::Error& e) {
    core::logError("console", e.code + ": " + e.message);
    return jsonError(http::status::internal_server_error, "internal error");
}

std::string sessionCookie(const std::string& token) {
    return std::string(kSessionCookie) + "=" + token +
           "; HttpOnly; Secure; SameSite=Strict; Path=/";
}

std::string expiredCookie() {
    return std::string(kSessionCookie) + "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0";
}

std::string contentTypeFor(std::string_view name) {
    auto endsWith = [name](std::string_view ext) {
        return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
    };
    if (endsWith(".html")) {
        return "text/html; charset=utf-8";
    }
    if (endsWith(".js")) {
        return "text/javascript; charset=utf-8";
    }
    if (endsWith(".css")) {
        return "text/css; charset=utf-8";
    }
    if (endsWith(".svg")) {
        return "image/svg+xml";
    }
    if (endsWith(".png")) {
        return "image/png";
    }
    if (endsWith(".ico")) {
        return "image/x-icon";
    }
    return "application/octet-stream";
}

// Only plain file names directly inside the web root: no directories, no dot files, no "..".
bool isServableName(std::string_view name) {
    if (name.empty() || name.size() > 100 || name.front() == '.') {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return name.find("..") == std::string_view::npos;
}

}  // namespace

std::string cookieValue(const HttpRequest& request, std::string_view name) {
    for (auto it = request.find(http::field::cookie); it != request.end(); ++it) {
        if (it->name() != http::field::cookie) {
            break;
        }
        std::string_view header(it->value().data(), it->value().size());
        while (!header.empty()) {
            const auto semi = header.find(';');
            auto part = header.substr(0, semi);
            while (!part.empty() && part.front() == ' ') {
                part.remove_prefix(1);
            }
            const auto eq = part.find('=');
            if (eq != std::string_view::npos && part.substr(0, eq) == name) {
                return std::string(part.substr(eq + 1));
            }
            header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        }
    }
    return {};
}

void applySecurityHeaders(HttpResponse& response, bool isApi) {
    response.set(http::field::server, "sekimori-console");
    response.set("Content-Security-Policy",
                 "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
    response.set(http::field::cache_control, isApi ? "no-store" : "no-cache");
}

HttpResponse toHttp(const HttpRequest& request, ApiResponse api) {
    HttpResponse res{api.status, request.version()};
    res.set(http::field::content_type, "application/json");
    applySecurityHeaders(res, true);
    for (auto& [k, v] : api.headers) {
        res.insert(k, v);
    }
    res.keep_alive(request.keep_alive());
    res.body() = api.body.dump();
    res.prepare_payload();
    return res;
}

ConsoleApp::ConsoleApp(AppSettings settings, std::unique_ptr<core::Database> db,
                       core::EventRecorder& recorder, const core::Clock& clock,
                       boost::asio::any_io_executor ioExecutor,
                       boost::asio::any_io_executor workExecutor)
    : settings_(std::move(settings)),
      db_(std::move(db)),
      recorder_(recorder),
      clock_(clock),
      ioExecutor_(std::move(ioExecutor)),
      workExecutor_(std::move(workExecutor)),
      sessions_(clock, settings_.sessionIdleUs),
      limiter_(clock),
      dummyHash_(std::make_shared<std::string>()) {
    registerRoutes();
}

// The whole access policy of the console, one line per route.
void ConsoleApp::registerRoutes() {
    using V = http::verb;
    auto bind = [this](void (ConsoleApp::*f)(const ApiRequest&, Reply)) {
        return [this, f](const ApiRequest& r, Reply reply) { (this->*f)(r, std::move(reply)); };
    };
    router_.add(V::post, "/api/login", RouteAccess::anyone(), bind(&ConsoleApp::postLogin));
    router_.add(V::post, "/api/logout", RouteAccess::loggedIn(), bind(&ConsoleApp::postLogout));
    router_.add(V::get, "/api/me", RouteAccess::loggedIn(), bind(&ConsoleApp::getMe));
    router_.add(V::get, "/api/events", RouteAccess::only(kEventReaders),
                bind(&ConsoleApp::getEvents));
    router_.add(V::get, "/api/doors", RouteAccess::only(kSiteViewers), bind(&ConsoleApp::getDoors));
    router_.add(V::get, "/api/presence", RouteAccess::only(kSiteViewers),
                bind(&ConsoleApp::getPresence));
    router_.add(V::get, "/api/people", RouteAccess::only(kEnrollers), bind(&ConsoleApp::getPeople));
    router_.add(V::get, "/api/audit/checkpoints", RouteAccess::only(kAuditReaders),
                bind(&ConsoleApp::getCheckpoints));
    // The live event stream; only reached here without an Upgrade header.
    router_.add(V::get, "/ws/events", RouteAccess::only(kEventReaders),
                [](const ApiRequest&, Reply reply) {
                    reply(jsonError(http::status::bad_request,
                                    "/ws/events: a WebSocket upgrade is required"));
                });
}

std::optional<SessionInfo> ConsoleApp::liveSession(const std::string& token) {
    auto session = sessions_.touch(token);
    if (!session) {
        return std::nullopt;
    }
    // An account disabled (or removed) since login loses its sessions at once.
    auto op = findOperator(*db_, session->name);
    if (!op || !*op || (*op)->disabled) {
        if (!op) {
            core::logError("console", op.error().code + ": " + op.error().message);
        }
        sessions_.removeAllFor(session->name);
        if (sessionEnded_) {
            sessionEnded_(session->key);
        }
        return std::nullopt;
    }
    return session;
}

bool ConsoleApp::originAllowed(const HttpRequest& request) const {
    auto origin = request.find(http::field::origin);
    if (origin == request.end()) {
        return false;
    }
    for (const auto& o : settings_.allowedOrigins) {
        if (origin->value() == o) {
            return true;
        }
    }
    return false;
}

void ConsoleApp::recordOperatorEvent(std::string type, const std::string& subject, json payload) {
    core::Event e;
    e.timeUs = clock_.nowUs();
    e.type = std::move(type);
    e.source = "console";
    e.subject = subject;
    e.payload = payload.dump();
    recorder_.record(std::move(e));
}

void ConsoleApp::handle(const HttpRequest& request, const std::string& remote, SendResponse send) {
    auto [path, queryText] =
        splitTarget(std::string_view(request.target().data(), request.target().size()));
    const bool isApi = path.starts_with("/api/") || path.starts_with("/ws/");
    if (!isApi) {
        send(staticFile(request));
        return;
    }
    auto replyFor = [&request, send](ApiResponse api) { send(toHttp(request, std::move(api))); };

    auto [match, route] = router_.find(request.method(), path);
    if (match == Router::Match::unknownPath) {
        replyFor(jsonError(http::status::not_found, "no such route: " + path));
        return;
    }
    if (match == Router::Match::wrongMethod) {
        replyFor(jsonError(http::status::method_not_allowed,
                           std::string(request.method_string()) + " not allowed on " + path));
        return;
    }
    // CSRF defence besides SameSite=Strict: a state-changing request from a browser must come
    // from our own origin. Clients without an Origin header (curl, the CLI) are not browsers.
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        const bool hasOrigin = request.find(http::field::origin) != request.end();
        if (hasOrigin && !originAllowed(request)) {
            replyFor(jsonError(http::status::forbidden, "origin not allowed"));
            return;
        }
        auto site = request.find("Sec-Fetch-Site");
        if (site != request.end() && site->value() == "cross-site") {
            replyFor(jsonError(http::status::forbidden, "cross-site request refused"));
            return;
        }
    }

    ApiRequest api{request, path, parseQuery(queryText), std::nullopt, {}, remote};
    if (route->access.needsLogin) {
        api.sessionToken = cookieValue(request, kSessionCookie);
        api.session = liveSession(api.sessionToken);
        if (!api.session) {
            replyFor(jsonError(http::status::unauthorized, "not logged in"));
            return;
        }
        if (!route->access.roles.contains(api.session->role)) {
            const std::string role(roleName(api.session->role));
            recordOperatorEvent(
                "operator.forbidden", api.session->name,
                {{"method", std::string(request.method_string())}, {"path", path}, {"role", role}});
            ApiResponse denied =
                jsonError(http::status::forbidden, "not permitted for role " + role);
            denied.body["role"] = role;
            denied.body["allowed_roles"] = route->access.roles.names();
            replyFor(std::move(denied));
            return;
        }
    }
    // The reply may run later (login): capture what toHttp needs by value.
    const unsigned version = request.version();
    const bool keepAlive = request.keep_alive();
    route->handler(api, [send, version, keepAlive](ApiResponse r) {
        HttpRequest shape;
        shape.version(version);
        shape.keep_alive(keepAlive);
        send(toHttp(shape, std::move(r)));
    });
}

std::variant<SessionInfo, HttpResponse> ConsoleApp::authorizeEvents(const HttpRequest& request,
                                                                    const std::string& remote) {
    auto [path, queryText] =
        splitTarget(std::string_view(request.target().data(), request.target().size()));
    auto [match, route] = router_.find(http::verb::get, path);
    if (match != Router::Match::found || path != "/ws/events") {
        return toHttp(request, jsonError(http::status::not_found, "no such route: " + path));
    }
    // Browsers always send Origin on a WebSocket handshake; without this check any page could
    // open the stream with the operator's cookie (cross-site WebSocket hijacking).
    if (!originAllowed(request)) {
        return toHttp(request, jsonError(http::status::forbidden, "origin not allowed"));
    }
    auto session = liveSession(cookieValue(request, kSessionCookie));
    if (!session) {
        return toHttp(request, jsonError(http::status::unauthorized, "not logged in"));
    }
    if (!route->access.roles.contains(session->role)) {
        const std::string role(roleName(session->role));
        recordOperatorEvent(
            "operator.forbidden", session->name,
            {{"method", "GET"}, {"path", path}, {"role", role}, {"remote", remote}});
        return toHttp(request,
                      jsonError(http::status::forbidden, "not permitted for role " + role));
    }
    return *session;
}

void ConsoleApp::postLogin(const ApiRequest& req, Reply reply) {
    auto body = json::parse(req.http.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        reply(jsonError(http::status::bad_request,
                        "body: expected a JSON object {\"name\": ..., \"password\": ...}"));
        return;
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != "name" && it.key() != "password") {
            reply(jsonError(http::status::bad_request, "unknown field '" + it.key() + "'"));
            return;
        }
    }
    if (!body.contains("name") || !body["name"].is_string()) {
        reply(jsonError(http::status::bad_request, "name: required, a string"));
        return;
    }
    const std::string name = body["name"].get<std::string>();
    if (!isValidOperatorName(name)) {
        reply(jsonError(http::status::bad_request, "name: must be 1..64 chars of [a-z0-9_-]"));
        return;
    }
    if (!body.contains("password") || !body["password"].is_string() ||
        body["password"].get_ref<const std::string&>().empty() ||
        body["password"].get_ref<const std::string&>().size() > kMaxPasswordLength) {
        reply(jsonError(http::status::bad_request,
                        "password: required, a string of 1..1024 characters"));
        return;
    }
    if (const auto wait = limiter_.lockedForUs(name); wait > 0) {
        const auto seconds = (wait + 999'999) / 1'000'000;
        recordOperatorEvent("operator.login_failed", name,
                            {{"reason", "locked"}, {"remote", req.remote}});
        ApiResponse r = jsonError(http::status::too_many_requests,
                                  "too many failed logins for '" + name + "'; retry in " +
                                      std::to_string(seconds) + " s");
        r.headers.emplace_back("Retry-After", std::to_string(seconds));
        reply(std::move(r));
        return;
    }
    auto found = findOperator(*db_, name);
    if (!found) {
        reply(internalError(found.error()));
        return;
    }
    std::string hash;
    std::optional<Role> role;
    bool disabled = false;
    if (*found) {
        hash = (*found)->passwordHash;
        role = (*found)->role;
        disabled = (*found)->disabled;
    }
    // argon2id takes tens of milliseconds: verify on the work pool, never on the io thread.
    // Unknown names are verified against a dummy hash so timing does not reveal them.
    boost::asio::post(workExecutor_, [weak = weak_from_this(), io = ioExecutor_, dummy = dummyHash_,
                                      name, remote = req.remote, hash = std::move(hash), role,
                                      disabled, password = body["password"].get<std::string>(),
                                      reply = std::move(reply)]() mutable {
        if (dummy->empty()) {
            *dummy = core::hashPassword(core::randomToken(18)).value();
        }
        const bool ok =
            core::verifyPassword(hash.empty() ? *dummy : hash, password) && !hash.empty();
        boost::asio::post(
            io, [weak, name, remote, ok, role, disabled, reply = std::move(reply)]() mutable {
                if (auto self = weak.lock()) {
                    self->finishLogin(name, remote, ok, role, disabled, std::move(reply));
                }
            });
    });
}

void ConsoleApp::finishLogin(const std::string& name, const std::string& remote, bool passwordOk,
                             std::optional<Role> role, bool disabled, Reply reply) {
    if (!passwordOk || !role || disabled) {
        limiter_.recordFailure(name);
        const char* reason = !role ? "unknown_name" : (!passwordOk ? "bad_password" : "disabled");
        recordOperatorEvent(
            "operator.login_failed", name,
            {{"reason", reason}, {"remote", remote}, {"failures", limiter_.failures(name)}});
        reply(jsonError(http::status::unauthorized, "invalid name or password"));
        return;
    }
    limiter_.recordSuccess(name);
    const std::string token = sessions_.create(name, *role);
    recordOperatorEvent("operator.login", name,
                        {{"role", std::string(roleName(*role))}, {"remote", remote}});
    ApiResponse r;
    r.body = {{"name", name}, {"role", std::string(roleName(*role))}};
    r.headers.emplace_back("Set-Cookie", sessionCookie(token));
    reply(std::move(r));
}

void ConsoleApp::postLogout(const ApiRequest& req, Reply reply) {
    if (auto key = sessions_.remove(req.sessionToken)) {
        if (sessionEnded_) {
            sessionEnded_(*key);
        }
    }
    recordOperatorEvent(
        "operator.logout", req.session->name,
        {{"role", std::string(roleName(req.session->role))}, {"remote", req.remote}});
    ApiResponse r;
    r.body = {{"ok", true}};
    r.headers.emplace_back("Set-Cookie", expiredCookie());
    reply(std::move(r));
}

void ConsoleApp::getMe(const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    ApiResponse r;
    r.body = {{"name", req.session->name},
              {"role", std::string(roleName(req.session->role))},
              {"idle_timeout_s", settings_.sessionIdleUs / 1'000'000}};
    reply(std::move(r));
}

void ConsoleApp::getEvents(const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {"limit"})) {
        reply(std::move(*bad));
        return;
    }
    auto limit = parseLimit(req);
    if (auto* bad = std::get_if<ApiResponse>(&limit)) {
        reply(std::move(*bad));
        return;
    }
    auto events = recentEvents(*db_, std::get<int>(limit));
    if (!events) {
        reply(internalError(events.error()));
        return;
    }
    ApiResponse r;
    r.body = {{"events", std::move(*events)}};
    reply(std::move(r));
}

void ConsoleApp::getDoors(const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    ApiResponse r;
    r.body = {{"doors", doorsProvider_ ? doorsProvider_() : json::array()}};
    reply(std::move(r));
}

void ConsoleApp::getPresence(const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    ApiResponse r;
    r.body = {{"presence", presenceProvider_ ? presenceProvider_() : json::array()}};
    reply(std::move(r));
}

void ConsoleApp::getPeople(const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {"limit"})) {
        reply(std::move(*bad));
        return;
    }
    auto limit = parseLimit(req);
    if (auto* bad = std::get_if<ApiResponse>(&limit)) {
        reply(std::move(*bad));
        return;
    }
    auto people = peopleList(*db_, std::get<int>(limit));
    if (!people) {
        reply(internalError(people.error()));
        return;
    }
    ApiResponse r;
    r.body = std::move(*people);
    reply(std::move(r));
}

void ConsoleApp::getCheckpoints(const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {"limit"})) {
        reply(std::move(*bad));
        return;
    }
    auto limit = parseLimit(req);
    if (auto* bad = std::get_if<ApiResponse>(&limit)) {
        reply(std::move(*bad));
        return;
    }
    auto rows = auditCheckpoints(*db_, std::get<int>(limit));
    if (!rows) {
        reply(internalError(rows.error()));
        return;
    }
    ApiResponse r;
    r.body = {{"checkpoints", std::move(*rows)}};
    reply(std::move(r));
}

HttpResponse ConsoleApp::staticFile(const HttpRequest& request) const {
    auto [path, query] =
        splitTarget(std::string_view(request.target().data(), request.target().size()));
    auto plain = [&request](http::status status, std::string text) {
        HttpResponse res{status, request.version()};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        applySecurityHeaders(res, false);
        res.keep_alive(request.keep_alive());
        res.body() = std::move(text);
        res.prepare_payload();
        return res;
    };
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        return plain(http::status::method_not_allowed, "method not allowed\n");
    }
    const std::string name = path == "/" ? "index.html" : path.substr(1);
    if (!isServableName(name)) {
        return plain(http::status::not_found, "not found\n");
    }
    std::ifstream in(settings_.webRoot + "/" + name, std::ios::binary);
    if (!in) {
        return plain(http::status::not_found, "not found\n");
    }
    std::ostringstream content;
    content << in.rdbuf();
    HttpResponse res{http::status::ok, request.version()};
    res.set(http::field::content_type, contentTypeFor(name));
    applySecurityHeaders(res, false);
    res.keep_alive(request.keep_alive());
    res.body() = request.method() == http::verb::head ? std::string() : content.str();
    res.prepare_payload();
    return res;
}

}  // namespace sekimori::console
