#include "console/router.hpp"

namespace sekimori::console {

ApiResponse jsonError(http::status status, std::string message) {
    ApiResponse r;
    r.status = status;
    r.body = {{"error", std::move(message)}};
    return r;
}

void Router::add(http::verb method, std::string_view path, RouteAccess access, Handler handler) {
    routes_.push_back(Route{method, std::string(path), access, std::move(handler)});
}

std::pair<Router::Match, const Route*> Router::find(http::verb method,
                                                    std::string_view path) const {
    bool pathSeen = false;
    for (const auto& r : routes_) {
        if (r.path != path) {
            continue;
        }
        pathSeen = true;
        if (r.method == method) {
            return {Match::found, &r};
        }
    }
    return {pathSeen ? Match::wrongMethod : Match::unknownPath, nullptr};
}

}  // namespace sekimori::console
