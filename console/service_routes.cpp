#include "console/service_routes.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <exception>
#include <memory>
#include <string>

#include "console/http_helpers.hpp"
#include "console/local_socket_listener.hpp"
#include "core/log.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;

// The reply a service handler gets: usable from any thread, answered once. A second call is a
// bug in the service; it is logged and dropped rather than written to a finished connection.
core::ApiReply serviceReply(const std::shared_ptr<ConsoleContext>& context, std::string routeName,
                            Reply reply) {
    auto answered = std::make_shared<std::atomic<bool>>(false);
    return [io = context->io, answered, routeName = std::move(routeName),
            reply = std::move(reply)](core::ApiAnswer answer) {
        if (answered->exchange(true)) {
            core::logError("console", routeName + ": the handler replied twice");
            return;
        }
        // Serialized on the thread that replied: a worker route's answer can be a large
        // report, and dumping it on the io thread held that thread for tens of milliseconds.
        auto response = std::make_shared<ApiResponse>(toApiResponse(std::move(answer)));
        if (!response->stream && !response->jsonText) {
            response->jsonText = std::make_shared<const std::string>(response->body.dump());
            response->body = nullptr;
        }
        boost::asio::dispatch(io, [reply, response]() mutable { reply(std::move(*response)); });
    };
}

void runHandler(const core::ApiRoute& route, const std::string& routeName,
                const core::ApiCall& call, const core::ApiReply& reply) {
    try {
        route.handler(call, reply);
    } catch (const std::exception& e) {
        core::logError("console", routeName + " threw: " + e.what());
        reply(core::apiError(500, "internal error"));
    }
}

Handler adapt(std::shared_ptr<const core::ApiRoute> route, std::string routeName,
              const std::shared_ptr<ConsoleContext>& context) {
    return [route = std::move(route), routeName = std::move(routeName),
            weak = std::weak_ptr(context)](const ApiRequest& req, Reply reply) {
        auto ctx = weak.lock();
        if (!ctx) {
            return;
        }
        core::ApiCall call;
        call.params = req.params;
        call.query = req.query;
        // A signed request's body is the handler's to parse, after it checked the signature.
        if (!req.body.empty() && route->auth != core::RouteAuth::signedRequest) {
            call.body = json::parse(req.body, nullptr, false);
            if (call.body.is_discarded()) {
                reply(jsonError(http::status::bad_request, "bad_json", "body: not valid JSON"));
                return;
            }
        }
        if (req.session) {
            call.actor = req.session->name;
            call.role = req.session->role;
            call.actorPerson = req.session->person;
        } else {  // a signed request (core::RouteAuth::signedRequest): the handler checks it
            call.headers = req.headers;
            call.target = req.target;
            call.rawBody = req.body;
        }
        // On the local socket the kernel named the peer's Unix user; the trail records both.
        setCallPeer(call, req.remote);
        auto answer = serviceReply(ctx, routeName, std::move(reply));
        if (route->runOn == core::RunOn::io) {
            runHandler(*route, routeName, call, answer);
            return;
        }
        boost::asio::post(ctx->pool,
                          [route, routeName, call = std::move(call), answer = std::move(answer)] {
                              runHandler(*route, routeName, call, answer);
                          });
    };
}

}  // namespace

http::verb toVerb(core::HttpMethod method) {
    switch (method) {
        case core::HttpMethod::get:
            return http::verb::get;
        case core::HttpMethod::post:
            return http::verb::post;
        case core::HttpMethod::put:
            return http::verb::put;
        case core::HttpMethod::patch:
            return http::verb::patch;
        case core::HttpMethod::del:
            return http::verb::delete_;
    }
    return http::verb::unknown;
}

ApiResponse toApiResponse(core::ApiAnswer answer) {
    ApiResponse out;
    if (auto* stream = std::get_if<core::StreamBody>(&answer)) {
        out.stream = std::move(*stream);
        return out;
    }
    auto& result = std::get<core::ApiResult>(answer);
    if (result.status < 100 || result.status > 599) {
        return internalError(
            core::makeError("console.bad_status",
                            "a service answered HTTP status " + std::to_string(result.status)));
    }
    out.status = static_cast<http::status>(result.status);
    out.body = std::move(result.body);
    ensureErrorCode(out);  // the shell looks every error up as error.<code>
    return out;
}

core::Result<void> addServiceRoutes(Router& router, std::string_view serviceName,
                                    std::vector<core::ApiRoute> routes,
                                    const std::shared_ptr<ConsoleContext>& context) {
    for (auto& r : routes) {
        const auto verb = toVerb(r.method);
        const std::string routeName = std::string(http::to_string(verb)) + " " + r.pattern + " (" +
                                      std::string(serviceName) + ")";
        if (!r.handler) {
            return core::makeError("console.bad_route", routeName + ": no handler");
        }
        const auto access = r.auth == core::RouteAuth::signedRequest ? RouteAccess::anyone()
                                                                     : RouteAccess::only(r.roles);
        const std::string pattern = r.pattern;
        auto route = std::make_shared<const core::ApiRoute>(std::move(r));
        if (auto added =
                router.add(verb, pattern, access, adapt(std::move(route), routeName, context),
                           std::string(serviceName));
            !added) {
            return added;
        }
    }
    return {};
}

}  // namespace sekimori::console
