#pragma once
// The REST route table, bmcweb style: each route is a pattern with the roles it admits declared
// where it is registered, so the whole access policy reads as one list. A pattern is literal
// segments and whole-segment {names}: "/api/alarms/{id}/ack". Where two patterns match a path,
// the one with a literal segment at the first place they differ wins.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "console/http_types.hpp"
#include "console/roles.hpp"
#include "core/result.hpp"

namespace sekimori::console {

struct RouteAccess {
    bool needsLogin = true;
    RoleSet roles;  // ignored unless needsLogin

    static RouteAccess anyone() { return {false, RoleSet{}}; }
    static RouteAccess loggedIn() { return {true, RoleSet::all()}; }
    static RouteAccess only(RoleSet roles) { return {true, roles}; }
};

struct PathSegment {
    bool isParam = false;
    std::string text;  // the literal, or the parameter's name
};

struct Route {
    http::verb method = http::verb::get;
    std::string pattern;
    RouteAccess access;
    Handler handler;
    std::string owner;  // "console" or the service that declared it
    std::vector<PathSegment> segments;
};

// Splits a pattern; an error names what is wrong with it.
core::Result<std::vector<PathSegment>> parsePattern(std::string_view pattern);

class Router {
  public:
    // An error when the pattern is malformed or the same method and path shape is taken.
    core::Result<void> add(http::verb method, std::string_view pattern, RouteAccess access,
                           Handler handler, std::string owner = "console");

    enum class Match { found, unknownPath, wrongMethod, badParam };
    struct Found {
        Match match = Match::unknownPath;
        const Route* route = nullptr;
        std::map<std::string, std::string> params;  // decoded
        std::string error;                          // for badParam: names the parameter
    };
    Found find(http::verb method, std::string_view path) const;
    const std::vector<Route>& routes() const { return routes_; }

  private:
    std::vector<Route> routes_;
};

}  // namespace sekimori::console
