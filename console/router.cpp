#include "console/router.hpp"

#include "console/http_helpers.hpp"

namespace sekimori::console {
namespace {

bool isLiteralChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

bool isParamName(std::string_view name) {
    if (name.empty() || name.size() > 64 ||
        !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

// The raw segments of a path: "/a/b" -> {"a", "b"}; nothing for a path that does not start
// with '/' or holds an empty segment.
std::optional<std::vector<std::string_view>> splitPath(std::string_view path) {
    if (path.empty() || path.front() != '/') {
        return std::nullopt;
    }
    std::vector<std::string_view> out;
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        const auto part = path.substr(0, slash);
        if (part.empty()) {
            return std::nullopt;
        }
        out.push_back(part);
        if (slash == std::string_view::npos) {
            return out;
        }
        path.remove_prefix(slash + 1);
    }
}

bool sameShape(const std::vector<PathSegment>& a, const std::vector<PathSegment>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].isParam != b[i].isParam || (!a[i].isParam && a[i].text != b[i].text)) {
            return false;
        }
    }
    return true;
}

bool literalsMatch(const std::vector<PathSegment>& pattern,
                   const std::vector<std::string_view>& path) {
    if (pattern.size() != path.size()) {
        return false;
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (!pattern[i].isParam && pattern[i].text != path[i]) {
            return false;
        }
    }
    return true;
}

// true when `a` should win over `b` for the same path: a literal at the first difference.
bool moreSpecific(const std::vector<PathSegment>& a, const std::vector<PathSegment>& b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (a[i].isParam != b[i].isParam) {
            return !a[i].isParam;
        }
    }
    return false;
}

}  // namespace

core::Result<std::vector<PathSegment>> parsePattern(std::string_view pattern) {
    auto parts = splitPath(pattern);
    if (!parts) {
        return core::makeError("console.bad_route", "route '" + std::string(pattern) +
                                                        "': must start with '/' and have no "
                                                        "empty segment");
    }
    std::vector<PathSegment> out;
    for (auto part : *parts) {
        if (part.front() == '{') {
            const auto name = part.size() >= 3 && part.back() == '}'
                                  ? part.substr(1, part.size() - 2)
                                  : std::string_view{};
            if (!isParamName(name)) {
                return core::makeError("console.bad_route",
                                       "route '" + std::string(pattern) + "': parameter '" +
                                           std::string(part) +
                                           "' must be a whole segment {name} of [a-zA-Z0-9_]");
            }
            const std::string paramName(name);
            for (const auto& seen : out) {
                if (seen.isParam && seen.text == paramName) {
                    return core::makeError("console.bad_route", "route '" + std::string(pattern) +
                                                                    "': parameter {" + paramName +
                                                                    "} appears twice");
                }
            }
            out.push_back(PathSegment{true, paramName});
            continue;
        }
        for (char c : part) {
            if (!isLiteralChar(c)) {
                return core::makeError("console.bad_route", "route '" + std::string(pattern) +
                                                                "': segment '" + std::string(part) +
                                                                "' has a character outside "
                                                                "[A-Za-z0-9._~-]");
            }
        }
        out.push_back(PathSegment{false, std::string(part)});
    }
    return out;
}

core::Result<void> Router::add(http::verb method, std::string_view pattern, RouteAccess access,
                               Handler handler, std::string owner) {
    auto segments = parsePattern(pattern);
    if (!segments) {
        return core::makeError(segments.error().code,
                               segments.error().message + " (" + owner + ")");
    }
    if (access.needsLogin && access.roles.names().empty()) {
        return core::makeError("console.bad_route", "route " + std::string(pattern) + " (" + owner +
                                                        "): admits no role");
    }
    for (const auto& r : routes_) {
        if (r.method == method && sameShape(r.segments, *segments)) {
            return core::makeError("console.route_conflict", std::string(http::to_string(method)) +
                                                                 " " + std::string(pattern) + " (" +
                                                                 owner + ") is already taken by " +
                                                                 r.pattern + " (" + r.owner + ")");
        }
    }
    routes_.push_back(Route{method, std::string(pattern), access, std::move(handler),
                            std::move(owner), std::move(*segments)});
    return {};
}

Router::Found Router::find(http::verb method, std::string_view path) const {
    Found out;
    auto parts = splitPath(path);
    if (!parts) {
        return out;
    }
    bool pathSeen = false;
    for (const auto& r : routes_) {
        if (!literalsMatch(r.segments, *parts)) {
            continue;
        }
        pathSeen = true;
        if (r.method == method && (!out.route || moreSpecific(r.segments, out.route->segments))) {
            out.route = &r;
        }
    }
    if (!out.route) {
        out.match = pathSeen ? Match::wrongMethod : Match::unknownPath;
        return out;
    }
    for (std::size_t i = 0; i < parts->size(); ++i) {
        const auto& segment = out.route->segments[i];
        if (!segment.isParam) {
            continue;
        }
        auto value = percentDecode((*parts)[i], false);
        if (!value) {
            out.match = Match::badParam;
            out.error = segment.text + ": " + value.error().message;
            out.route = nullptr;
            out.params.clear();
            return out;
        }
        out.params[segment.text] = std::move(*value);
    }
    out.match = Match::found;
    return out;
}

}  // namespace sekimori::console
