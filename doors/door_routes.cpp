#include "doors/door_routes.hpp"

#include <charconv>

#include "core/log.hpp"
#include "core/sqlite_db.hpp"
#include "doors/people_query.hpp"

namespace sekimori::doors {
namespace {

// 400 naming the first query parameter the route does not take.
std::optional<core::ApiResult> unknownQuery(const core::ApiCall& call,
                                            std::initializer_list<std::string_view> allowed) {
    for (const auto& [name, value] : call.query) {
        bool known = false;
        for (auto a : allowed) {
            known = known || name == a;
        }
        if (!known) {
            return core::apiError(400, name + ": unknown query parameter");
        }
    }
    return std::nullopt;
}

core::ApiResult internalError(const core::Error& error) {
    core::logError("doors", error.code + ": " + error.message);
    return core::apiError(500, "internal error");
}

void getPeople(const std::string& databasePath, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = unknownQuery(call, {"limit", "query"})) {
        reply(std::move(*bad));
        return;
    }
    int limit = kDefaultPeopleLimit;
    if (auto it = call.query.find("limit"); it != call.query.end()) {
        const std::string& text = it->second;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (ec != std::errc{} || end != text.data() + text.size() || limit < 1 ||
            limit > kMaxPeopleLimit) {
            reply(core::apiError(
                400, "limit: must be an integer from 1 to " + std::to_string(kMaxPeopleLimit)));
            return;
        }
    }
    const auto query = call.query.find("query");
    // Both arms string_view: `? "" : query->second` would be a std::string temporary, and the
    // view would outlive it (clang's -Wdangling-gsl found it).
    const std::string_view text =
        query == call.query.end() ? std::string_view() : std::string_view(query->second);
    if (text.size() > kMaxPeopleQueryBytes) {
        reply(core::apiError(400,
                             "query: at most " + std::to_string(kMaxPeopleQueryBytes) + " bytes"));
        return;
    }
    auto db = core::Database::open(databasePath, core::Database::Mode::readOnly);
    if (!db) {
        reply(internalError(db.error()));
        return;
    }
    auto people = peopleList(**db, limit, text);
    if (!people) {
        reply(internalError(people.error()));
        return;
    }
    reply(core::ApiResult{200, std::move(*people)});
}

}  // namespace

std::vector<core::ApiRoute> doorRoutes(DoorRouteSources sources) {
    auto shared = std::make_shared<DoorRouteSources>(std::move(sources));
    std::vector<core::ApiRoute> routes;
    routes.push_back({core::HttpMethod::get, "/api/doors", kDoorViewers, core::RunOn::io,
                      [shared](const core::ApiCall& call, core::ApiReply reply) {
                          if (auto bad = unknownQuery(call, {})) {
                              reply(std::move(*bad));
                              return;
                          }
                          reply(core::ApiResult{200, {{"doors", shared->doors()}}});
                      }});
    routes.push_back(
        {core::HttpMethod::get, "/api/doors/{id}", kDoorViewers, core::RunOn::io,
         [shared](const core::ApiCall& call, core::ApiReply reply) {
             if (auto bad = unknownQuery(call, {})) {
                 reply(std::move(*bad));
                 return;
             }
             auto id = call.params.find("id");
             auto door = id == call.params.end() ? std::nullopt : shared->door(id->second);
             if (!door) {
                 reply(core::apiError(
                     404,
                     "no door '" + (id == call.params.end() ? std::string() : id->second) + "'"));
                 return;
             }
             reply(core::ApiResult{200, {{"door", std::move(*door)}}});
         }});
    routes.push_back({core::HttpMethod::get, "/api/presence", kDoorViewers, core::RunOn::io,
                      [shared](const core::ApiCall& call, core::ApiReply reply) {
                          if (auto bad = unknownQuery(call, {})) {
                              reply(std::move(*bad));
                              return;
                          }
                          reply(core::ApiResult{200, shared->presence()});
                      }});
    routes.push_back({core::HttpMethod::get, "/api/people", kEnrollers, core::RunOn::worker,
                      [shared](const core::ApiCall& call, core::ApiReply reply) {
                          getPeople(shared->databasePath, call, std::move(reply));
                      }});
    return routes;
}

}  // namespace sekimori::doors
