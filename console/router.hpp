#pragma once
// The REST route table, bmcweb style: each route is a literal path with the roles it admits
// declared where it is registered, so the whole access policy reads as one list.
#include <boost/beast/http.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "console/roles.hpp"
#include "console/session_store.hpp"

namespace sekimori::console {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct RouteAccess {
    bool needsLogin = true;
    RoleSet roles;  // ignored unless needsLogin

    static RouteAccess anyone() { return {false, RoleSet{}}; }
    static RouteAccess loggedIn() { return {true, RoleSet::all()}; }
    static RouteAccess only(RoleSet roles) { return {true, roles}; }
};

struct ApiRequest {
    const HttpRequest& http;
    std::string path;
    std::map<std::string, std::string> query;
    std::optional<SessionInfo> session;  // set whenever the route needs a login
    std::string sessionToken;            // raw cookie value, for logout
    std::string remote;                  // peer address, for the audit trail
};

struct ApiResponse {
    http::status status = http::status::ok;
    nlohmann::json body = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> headers;
};

ApiResponse jsonError(http::status status, std::string message);

using Reply = std::function<void(ApiResponse)>;
// A handler validates its input first and calls reply exactly once, now or after async work.
using Handler = std::function<void(const ApiRequest&, Reply)>;

struct Route {
    http::verb method;
    std::string path;
    RouteAccess access;
    Handler handler;
};

class Router {
  public:
    void add(http::verb method, std::string_view path, RouteAccess access, Handler handler);

    enum class Match { found, unknownPath, wrongMethod };
    std::pair<Match, const Route*> find(http::verb method, std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }

  private:
    std::vector<Route> routes_;
};

}  // namespace sekimori::console
