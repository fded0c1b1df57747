#pragma once
// The shapes a console route works with, independent of the network: the request as a handler
// sees it (owned copies, so a handler may answer after async work), its JSON answer, and the
// answer the network layer writes (whole, or streamed in chunks).
#include <boost/beast/http.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "console/session_store.hpp"
#include "core/api_route.hpp"

namespace sekimori::console {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct ApiRequest {
    http::verb method = http::verb::get;
    std::string path;                           // without the query
    std::map<std::string, std::string> params;  // from the route pattern, decoded
    std::map<std::string, std::string> query;   // decoded
    std::string body;                           // raw; routes parse what they expect
    std::optional<SessionInfo> session;         // set whenever the route needs a login
    std::string sessionToken;                   // raw cookie value, for logout
    std::string remote;                         // peer address, for the audit trail
    // Only for a route without a login (core::RouteAuth::signedRequest): lower-case names.
    std::map<std::string, std::string> headers;
    std::string target;  // path and query as sent
};

struct ApiResponse {
    http::status status = http::status::ok;
    nlohmann::json body = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> headers;
    // When set, the body already serialized (a large read-only answer built once); `body` is
    // ignored.
    std::shared_ptr<const std::string> jsonText;
    // When set the answer is 200 with this body streamed in chunks; `body` is ignored.
    std::optional<core::StreamBody> stream;
};

using Reply = std::function<void(ApiResponse)>;
// A handler validates its input first and calls reply exactly once, now or after async work.
using Handler = std::function<void(const ApiRequest&, Reply)>;

// A response whose body is pulled chunk by chunk (chunked transfer encoding).
struct StreamedResponse {
    http::response<http::empty_body> head;
    std::function<core::Result<std::string>()> next;  // see core::StreamBody
};

// What the network layer writes for one request.
using ConsoleAnswer = std::variant<HttpResponse, StreamedResponse>;

}  // namespace sekimori::console
