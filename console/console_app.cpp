#include "console/console_app.hpp"

#include <boost/algorithm/string/case_conv.hpp>

#include "console/audit_routes.hpp"
#include "console/auth_routes.hpp"
#include "console/service_routes.hpp"
#include "console/session_sweep.hpp"
#include "console/shell_routes.hpp"
#include "console/static_files.hpp"
#include "core/log.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;

// A session that still holds a password someone else chose may only change it (C3 bootstrap,
// new accounts): everything else answers this.
ApiResponse passwordChangeRequired() {
    ApiResponse r =
        jsonError(http::status::forbidden, "password_change_required", "password_change_required");
    r.body["change_route"] = std::string(kPasswordRoute);
    return r;
}

ApiResponse forbidden(const SessionInfo& session, const RoleSet& allowed) {
    const std::string role(roleName(session.role));
    ApiResponse denied = jsonError(http::status::forbidden, "not permitted for role " + role);
    denied.body["role"] = role;
    denied.body["allowed_roles"] = allowed.names();
    return denied;
}

HttpResponse fileResponse(ReplyShape shape, StaticFile file) {
    HttpResponse res{http::status::ok, shape.version};
    res.set(http::field::content_type, file.contentType);
    applySecurityHeaders(res, false);
    res.keep_alive(shape.keepAlive);
    res.body() = shape.head ? std::string() : std::move(file.content);
    res.prepare_payload();
    return res;
}

// Reads a file on the pool and answers on the io thread.
void sendFile(const std::shared_ptr<ConsoleContext>& context, ReplyShape shape,
              std::filesystem::path root, std::string relative, ConsoleApp::SendAnswer send) {
    runOffIo(
        context->pool, context->io,
        [root = std::move(root), relative = std::move(relative)] {
            return readStaticFile(root, relative);
        },
        [shape, send = std::move(send)](core::Result<std::optional<StaticFile>> file) {
            if (!file) {
                core::logError("console", file.error().code + ": " + file.error().message);
                send(plainText(shape, http::status::internal_server_error, "internal error\n"));
                return;
            }
            if (!*file) {
                send(plainText(shape, http::status::not_found, "not found\n"));
                return;
            }
            send(fileResponse(shape, std::move(**file)));
        });
}

}  // namespace

ConsoleApp::ConsoleApp(AppSettings settings, std::unique_ptr<core::Database> db,
                       core::EventRecorder& recorder, const core::Clock& clock,
                       boost::asio::any_io_executor ioExecutor,
                       boost::asio::any_io_executor workExecutor)
    : context_(std::make_shared<ConsoleContext>(std::move(settings), std::move(db), recorder, clock,
                                                std::move(ioExecutor), std::move(workExecutor))) {}

// The console's own routes; every service's follow through addService.
core::Result<void> ConsoleApp::registerOwnRoutes() {
    for (auto& rule : EventVisibilityRules::consoleRules()) {
        context_->visibility.add(std::move(rule));
    }
    if (auto r = addAuthRoutes(router_, context_); !r) {
        return r;
    }
    startSessionSweep(context_);
    if (auto r = addAuditRoutes(router_, context_); !r) {
        return r;
    }
    if (auto r = addShellRoutes(router_, context_); !r) {
        return r;
    }
    if (auto r = router_.add(http::verb::get, "/api/ui/plugins", RouteAccess::loggedIn(),
                             [ctx = context_](const ApiRequest& req, Reply reply) {
                                 if (auto bad = rejectUnknownQuery(req, {})) {
                                     reply(std::move(*bad));
                                     return;
                                 }
                                 ApiResponse list;
                                 list.body = ctx->plugins.listFor(req.session->role);
                                 reply(std::move(list));
                             });
        !r) {
        return r;
    }
    // The live event stream; only reached here without an Upgrade header.
    return router_.add(http::verb::get, "/ws/events", RouteAccess::only(kEventReaders),
                       [](const ApiRequest&, Reply reply) {
                           reply(jsonError(http::status::bad_request, "upgrade_required",
                                           "/ws/events: a WebSocket upgrade is required"));
                       });
}

core::Result<void> ConsoleApp::addService(core::Service& service) {
    const std::string name(service.name());
    if (auto r = addServiceRoutes(router_, name, service.routes(), context_); !r) {
        return r;
    }
    for (auto& rule : service.eventVisibility()) {
        if (rule.typePrefix.empty()) {
            return core::makeError("console.bad_visibility",
                                   "service " + name + ": an event rule with an empty prefix");
        }
        context_->visibility.add(std::move(rule));
    }
    if (auto plugin = service.uiPlugin()) {
        if (auto r = context_->plugins.add(std::move(*plugin)); !r) {
            return core::makeError(r.error().code, "service " + name + ": " + r.error().message);
        }
    }
    return {};
}

core::Result<void> ConsoleApp::loadCatalogue() {
    MessageCatalogue catalogue;
    const std::filesystem::path webRoot(context_->settings.webRoot);
    if (auto r = catalogue.addFile(webRoot / "messages.json", true); !r) {
        return r;
    }
    for (const auto& plugin : context_->plugins.all()) {
        if (auto r = catalogue.addFile(plugin.webDir / "messages.json", false); !r) {
            return r;
        }
    }
    context_->catalogue = std::move(catalogue);
    return {};
}

bool ConsoleApp::originAllowed(const HttpRequest& request) const {
    auto origin = request.find(http::field::origin);
    if (origin == request.end()) {
        return false;
    }
    for (const auto& o : context_->settings.allowedOrigins) {
        if (origin->value() == o) {
            return true;
        }
    }
    return false;
}

void ConsoleApp::handle(const HttpRequest& request, const std::string& remote, SendAnswer send) {
    auto [path, queryText] =
        splitTarget(std::string_view(request.target().data(), request.target().size()));
    if (path.starts_with("/api/") || path.starts_with("/ws/")) {
        handleApi(request, std::move(path), std::move(queryText), remote, std::move(send));
        return;
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        send(plainText(shapeOf(request), http::status::method_not_allowed, "method not allowed\n"));
        return;
    }
    if (path.starts_with(kPluginsPrefix)) {
        servePluginFile(request, path, std::move(send));
        return;
    }
    serveWebFile(request, path, std::move(send));
}

void ConsoleApp::serveWebFile(const HttpRequest& request, const std::string& path,
                              SendAnswer send) {
    sendFile(context_, shapeOf(request), context_->settings.webRoot,
             path == "/" ? "index.html" : path.substr(1), std::move(send));
}

// /plugins/<name>/<file>: for a live session whose role the plugin admits.
void ConsoleApp::servePluginFile(const HttpRequest& request, const std::string& path,
                                 SendAnswer send) {
    const ReplyShape shape = shapeOf(request);
    const std::string rest = path.substr(kPluginsPrefix.size());
    const auto slash = rest.find('/');
    const auto* plugin = context_->plugins.find(rest.substr(0, slash));
    if (!plugin || slash == std::string::npos) {
        send(plainText(shape, http::status::not_found, "not found\n"));
        return;
    }
    authenticate(
        context_, cookieValue(request, kSessionCookie),
        [weak = weak_from_this(), shape, path, plugin, relative = rest.substr(slash + 1),
         send = std::move(send)](std::optional<SessionInfo> session) mutable {
            auto self = weak.lock();
            if (!self) {
                return;
            }
            const auto& ctx = self->context_;
            if (!session) {
                send(plainText(shape, http::status::unauthorized, "not logged in\n"));
                return;
            }
            if (session->mustChangePassword) {
                send(plainText(shape, http::status::forbidden, "password_change_required\n"));
                return;
            }
            if (!plugin->roles.contains(session->role)) {
                ctx->recordOperatorEvent("operator.forbidden", session->name,
                                         {{"method", "GET"},
                                          {"path", path},
                                          {"role", std::string(roleName(session->role))}});
                send(plainText(
                    shape, http::status::forbidden,
                    "not permitted for role " + std::string(roleName(session->role)) + "\n"));
                return;
            }
            sendFile(ctx, shape, plugin->webDir, std::move(relative), std::move(send));
        });
}

void ConsoleApp::handleApi(const HttpRequest& request, std::string path, std::string queryText,
                           const std::string& remote, SendAnswer send) {
    const ReplyShape shape = shapeOf(request);
    auto reply = [shape, send](ApiResponse api) { send(toAnswer(shape, std::move(api))); };

    auto found = router_.find(request.method(), path);
    if (found.match == Router::Match::unknownPath) {
        reply(jsonError(http::status::not_found, "no such route: " + path));
        return;
    }
    if (found.match == Router::Match::wrongMethod) {
        reply(jsonError(http::status::method_not_allowed,
                        std::string(request.method_string()) + " not allowed on " + path));
        return;
    }
    if (found.match == Router::Match::badParam) {
        reply(jsonError(http::status::bad_request, "bad_path", found.error));
        return;
    }
    // CSRF defence besides SameSite=Strict: a state-changing request from a browser must come
    // from our own origin. Clients without an Origin header (curl, the CLI) are not browsers.
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        const bool hasOrigin = request.find(http::field::origin) != request.end();
        if (hasOrigin && !originAllowed(request)) {
            reply(jsonError(http::status::forbidden, "origin_refused", "origin not allowed"));
            return;
        }
        auto site = request.find("Sec-Fetch-Site");
        if (site != request.end() && site->value() == "cross-site") {
            reply(jsonError(http::status::forbidden, "cross_site_refused",
                            "cross-site request refused"));
            return;
        }
    }
    auto query = parseQuery(queryText);
    if (!query) {
        reply(jsonError(http::status::bad_request, "bad_query", query.error().message));
        return;
    }

    ApiRequest api;
    api.method = request.method();
    api.path = std::move(path);
    api.params = std::move(found.params);
    api.query = std::move(*query);
    api.body = request.body();
    api.remote = remote;
    const Route* route = found.route;  // routes do not change once the console runs
    if (!route->access.needsLogin) {
        // A system that signs its requests checks them itself, from the request as it came.
        for (const auto& field : request) {
            api.headers[boost::algorithm::to_lower_copy(std::string(field.name_string()))] =
                std::string(field.value());
        }
        api.target = std::string(request.target());
        route->handler(api, std::move(reply));
        return;
    }
    api.sessionToken = cookieValue(request, kSessionCookie);
    const std::string token = api.sessionToken;
    authenticate(context_, token,
                 [weak = weak_from_this(), route, api = std::move(api),
                  reply = std::move(reply)](std::optional<SessionInfo> session) mutable {
                     auto self = weak.lock();
                     if (!self) {
                         return;  // the console stopped; `route` went with it
                     }
                     const auto& ctx = self->context_;
                     if (!session) {
                         reply(jsonError(http::status::unauthorized, "not logged in"));
                         return;
                     }
                     if (!route->access.roles.contains(session->role)) {
                         ctx->recordOperatorEvent(
                             "operator.forbidden", session->name,
                             {{"method", std::string(http::to_string(api.method))},
                              {"path", api.path},
                              {"role", std::string(roleName(session->role))}});
                         reply(forbidden(*session, route->access.roles));
                         return;
                     }
                     if (session->mustChangePassword &&
                         !allowedBeforePasswordChange(route->method, route->pattern)) {
                         reply(passwordChangeRequired());
                         return;
                     }
                     api.session = std::move(session);
                     route->handler(api, std::move(reply));
                 });
}

void ConsoleApp::sweepNow() {
    sweepSessions(context_);
}

void ConsoleApp::authorizeEvents(const HttpRequest& request, const std::string& remote,
                                 std::function<void(EventsVerdict)> done) {
    const ReplyShape shape = shapeOf(request);
    auto [path, queryText] =
        splitTarget(std::string_view(request.target().data(), request.target().size()));
    auto found = router_.find(http::verb::get, path);
    if (found.match != Router::Match::found || path != "/ws/events") {
        done(toHttp(shape, jsonError(http::status::not_found, "no such route: " + path)));
        return;
    }
    // Browsers always send Origin on a WebSocket handshake; without this check any page could
    // open the stream with the operator's cookie (cross-site WebSocket hijacking).
    if (!originAllowed(request)) {
        done(toHttp(shape,
                    jsonError(http::status::forbidden, "origin_refused", "origin not allowed")));
        return;
    }
    authenticate(
        context_, cookieValue(request, kSessionCookie),
        [weak = weak_from_this(), shape, route = found.route, path = path, remote,
         done = std::move(done)](std::optional<SessionInfo> session) {
            auto self = weak.lock();
            if (!self) {
                return;
            }
            const auto& ctx = self->context_;
            if (!session) {
                done(toHttp(shape, jsonError(http::status::unauthorized, "not logged in")));
                return;
            }
            if (session->mustChangePassword) {
                done(toHttp(shape, passwordChangeRequired()));
                return;
            }
            if (!route->access.roles.contains(session->role)) {
                const std::string role(roleName(session->role));
                ctx->recordOperatorEvent(
                    "operator.forbidden", session->name,
                    {{"method", "GET"}, {"path", path}, {"role", role}, {"remote", remote}});
                done(toHttp(shape,
                            jsonError(http::status::forbidden, "not permitted for role " + role)));
                return;
            }
            done(*session);
        });
}

}  // namespace sekimori::console
