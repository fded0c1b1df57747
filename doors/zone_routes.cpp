#include "doors/zone_routes.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_actor.hpp"
#include "core/log.hpp"
#include "doors/enrollment.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kBadRequest = "doors.bad_request";
constexpr std::string_view kForbidden = "doors.forbidden";
constexpr std::size_t kMaxComment = 1000;

core::ApiResult zoneError(int status, std::string_view code, std::string message) {
    return core::ApiResult{status, nlohmann::json{{"error", std::move(message)}, {"code", code}}};
}

core::ApiResult badRequest(std::string message) {
    return zoneError(400, kBadRequest, std::move(message));
}

// A failed operation as its status: the codes zone control answers with (zone_control.hpp).
core::ApiResult operationError(const core::Error& error) {
    if (error.code == kZoneLockdownActive || error.code == kZoneNotLockedDown ||
        error.code == kZoneAlreadyForgiven) {
        return zoneError(409, error.code, error.message);
    }
    if (error.code == kZoneUnknownPerson) {
        return zoneError(404, error.code, error.message);
    }
    if (error.code == kZoneStoreUnavailable) {
        core::logWarning("doors", "zone change not stored: " + error.message);
        return zoneError(503, error.code, error.message);
    }
    core::logError("doors", error.code + ": " + error.message);
    return zoneError(500, "doors.internal", "internal error");
}

ZoneControl::Actor actorOf(const core::ApiCall& call) {
    return ZoneControl::Actor{core::actorSource(call), core::actorFields(call), call.actor};
}

// 400 naming what is wrong: not an object, an unknown member, a missing required one, one
// that is not a string, a query parameter.
std::optional<core::ApiResult> checkBody(const core::ApiCall& call,
                                         std::initializer_list<std::string_view> required,
                                         std::initializer_list<std::string_view> optional = {}) {
    std::string expected;
    for (auto list : {required, optional}) {
        for (auto f : list) {
            expected += (expected.empty() ? "" : ", ") + std::string(f);
        }
    }
    if (!call.query.empty()) {
        return badRequest(call.query.begin()->first + ": unknown query parameter");
    }
    if (!call.body.is_object()) {
        return badRequest("body: must be a JSON object with " + expected);
    }
    for (const auto& [name, value] : call.body.items()) {
        bool known = false;
        for (auto list : {required, optional}) {
            for (auto f : list) {
                known = known || name == f;
            }
        }
        if (!known) {
            return badRequest(name + ": unknown field (expected " + expected + ")");
        }
        if (!value.is_string()) {
            return badRequest(name + ": must be a string");
        }
    }
    for (auto f : required) {
        if (!call.body.contains(std::string(f))) {
            return badRequest(std::string(f) + ": required");
        }
    }
    return std::nullopt;
}

std::optional<core::ApiResult> checkNoBody(const core::ApiCall& call) {
    if (!call.query.empty()) {
        return badRequest(call.query.begin()->first + ": unknown query parameter");
    }
    if (!call.body.is_null()) {
        return badRequest("body: this route takes no body");
    }
    return std::nullopt;
}

std::string bodyString(const core::ApiCall& call, std::string_view field) {
    auto it = call.body.find(std::string(field));
    return it == call.body.end() ? std::string() : it->get<std::string>();
}

// Every change says why: 1..1000 bytes.
std::optional<core::ApiResult> checkComment(const std::string& comment) {
    if (comment.empty() || comment.size() > kMaxComment) {
        return badRequest("comment: must be 1.." + std::to_string(kMaxComment) + " bytes");
    }
    return std::nullopt;
}

struct Target {
    LockdownScope scope = LockdownScope::site;
    std::string zone;  // empty for the site
};

// {scope, zone?}: site takes no zone, zone needs one the site configures.
std::variant<Target, core::ApiResult> lockdownTarget(const ZoneControl& zones,
                                                     const core::ApiCall& call) {
    const auto scope = lockdownScopeFromString(bodyString(call, "scope"));
    if (!scope) {
        return badRequest("scope: must be \"site\" or \"zone\"");
    }
    const bool hasZone = call.body.contains("zone");
    const std::string zone = bodyString(call, "zone");
    if (*scope == LockdownScope::site) {
        if (hasZone) {
            return badRequest("zone: a site lockdown names no zone");
        }
        return Target{*scope, ""};
    }
    if (!hasZone) {
        return badRequest("zone: required when scope is \"zone\"");
    }
    if (!zones.knowsZone(zone)) {
        return badRequest("zone: '" + zone + "' is not a zone of the site configuration");
    }
    return Target{*scope, zone};
}

nlohmann::json targetJson(const Target& target) {
    return {
        {"scope", toString(target.scope)},
        {"target", target.scope == LockdownScope::site ? std::string(kSiteTarget) : target.zone}};
}

void postLockdown(ZoneControl& zones, const core::ApiCall& call, core::ApiReply reply, bool lift) {
    if (auto bad = checkBody(call, {"scope", "comment"}, {"zone"})) {
        return reply(std::move(*bad));
    }
    const std::string comment = bodyString(call, "comment");
    if (auto bad = checkComment(comment)) {
        return reply(std::move(*bad));
    }
    auto target = lockdownTarget(zones, call);
    if (auto* bad = std::get_if<core::ApiResult>(&target)) {
        return reply(std::move(*bad));
    }
    const Target t = std::get<Target>(target);
    auto done = [&zones, t, lift, reply = std::move(reply)](const core::Result<void>& r) {
        if (!r) {
            return reply(operationError(r.error()));
        }
        nlohmann::json body = zones.lockdownJson();
        body[lift ? "lifted" : "started"] = targetJson(t);
        reply(core::ApiResult{lift ? 200 : 201, std::move(body)});
    };
    if (lift) {
        zones.liftLockdown(actorOf(call), t.scope, t.zone, comment, std::move(done));
    } else {
        zones.startLockdown(actorOf(call), t.scope, t.zone, comment, std::move(done));
    }
}

void postForgive(ZoneControl& zones, const core::ApiCall& call, core::ApiReply reply) {
    auto id = call.params.find("id");
    const std::string person = id == call.params.end() ? std::string() : id->second;
    if (auto r = checkPersonId(person); !r) {
        return reply(badRequest("id: " + r.error().message));
    }
    if (!call.actorPerson.empty() && call.actorPerson == person) {
        return reply(zoneError(403, kForbidden,
                               "operator " + call.actor + " is linked to person '" + person +
                                   "' and cannot forgive their own anti-passback"));
    }
    if (auto bad = checkBody(call, {"comment"})) {
        return reply(std::move(*bad));
    }
    const std::string comment = bodyString(call, "comment");
    if (auto bad = checkComment(comment)) {
        return reply(std::move(*bad));
    }
    zones.forgive(
        actorOf(call), person, comment,
        [person, reply = std::move(reply)](const core::Result<std::string>& r) {
            if (!r) {
                return reply(operationError(r.error()));
            }
            reply(core::ApiResult{200, {{"forgiven", {{"person", person}, {"person_name", *r}}}}});
        });
}

void postMuster(ZoneControl& zones, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {"comment"})) {
        return reply(std::move(*bad));
    }
    const std::string comment = bodyString(call, "comment");
    if (auto bad = checkComment(comment)) {
        return reply(std::move(*bad));
    }
    zones.startMuster(actorOf(call), comment,
                      [&zones, reply = std::move(reply)](const core::Result<void>& r) {
                          if (!r) {
                              return reply(operationError(r.error()));
                          }
                          reply(core::ApiResult{201, zones.musterReport()});
                      });
}

core::ApiRoute readRoute(std::string pattern, std::function<nlohmann::json()> read) {
    return {core::HttpMethod::get, std::move(pattern), kZoneViewers, core::RunOn::io,
            [read = std::move(read)](const core::ApiCall& call, core::ApiReply reply) {
                if (auto bad = checkNoBody(call)) {
                    return reply(std::move(*bad));
                }
                reply(core::ApiResult{200, read()});
            }};
}

}  // namespace

std::vector<core::ApiRoute> zoneRoutes(ZoneControl& zones) {
    ZoneControl* z = &zones;
    std::vector<core::ApiRoute> routes;
    routes.push_back(readRoute("/api/lockdown", [z] { return z->lockdownJson(); }));
    routes.push_back({core::HttpMethod::post, "/api/lockdown", kZoneDeskRoles, core::RunOn::io,
                      [z](const core::ApiCall& call, core::ApiReply reply) {
                          postLockdown(*z, call, std::move(reply), /*lift=*/false);
                      }});
    routes.push_back({core::HttpMethod::post, "/api/lockdown/lift", kLockdownLifters,
                      core::RunOn::io, [z](const core::ApiCall& call, core::ApiReply reply) {
                          postLockdown(*z, call, std::move(reply), /*lift=*/true);
                      }});
    routes.push_back({core::HttpMethod::post, "/api/people/{id}/passback/forgive", kZoneDeskRoles,
                      core::RunOn::io, [z](const core::ApiCall& call, core::ApiReply reply) {
                          postForgive(*z, call, std::move(reply));
                      }});
    routes.push_back(readRoute("/api/muster", [z] { return z->musterReport(); }));
    routes.push_back({core::HttpMethod::post, "/api/muster", kZoneDeskRoles, core::RunOn::io,
                      [z](const core::ApiCall& call, core::ApiReply reply) {
                          postMuster(*z, call, std::move(reply));
                      }});
    routes.push_back(readRoute("/api/zone_control", [z] { return z->toJson(); }));
    return routes;
}

}  // namespace sekimori::doors
