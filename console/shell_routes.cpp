#include "console/shell_routes.hpp"

#include "console/http_helpers.hpp"
#include "console/operator_preferences.hpp"
#include "console/request_actor.hpp"
#include "core/api_actor.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;

json zoneJson(const core::ZoneConfig& zone) {
    json plan = nullptr;
    if (zone.plan) {
        plan = {{"x", zone.plan->x}, {"y", zone.plan->y}, {"w", zone.plan->w}, {"h", zone.plan->h}};
    }
    return {{"id", zone.id},
            {"name", zone.name},
            {"kind", std::string(core::zoneKindName(zone.kind))},
            {"parent", zone.parent},
            {"plan", std::move(plan)}};
}

void getSite(const ConsoleContext& ctx, const ApiRequest& req, const Reply& reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    json zones = json::array();
    for (const auto& zone : ctx.settings.zones) {
        zones.push_back(zoneJson(zone));
    }
    ApiResponse r;
    r.body = {{"site", siteJson(ctx.settings.site)}, {"zones", std::move(zones)}};
    reply(std::move(r));
}

// In memory since the start: no session, no database, nothing a flood could exhaust.
void getMessages(const ConsoleContext& ctx, const ApiRequest& req, const Reply& reply) {
    if (auto bad = rejectUnknownQuery(req, {"lang"})) {
        reply(std::move(*bad));
        return;
    }
    auto it = req.query.find("lang");
    const std::string lang = it == req.query.end() ? std::string(kDefaultLanguage) : it->second;
    if (!isLanguage(lang)) {
        reply(jsonError(http::status::bad_request, "bad_language", "lang: must be ja or en"));
        return;
    }
    ApiResponse r;
    r.jsonText = ctx.catalogue.answerText(lang);
    reply(std::move(r));
}

// Stores the language with its operator.language_set event in one transaction; answered once
// durable.
void postLanguage(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req,
                  Reply reply) {
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        reply(jsonError(http::status::bad_request, "bad_json",
                        "body: expected a JSON object {\"language\": \"ja\"|\"en\"}"));
        return;
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != "language") {
            reply(jsonError(http::status::bad_request, "unknown_field",
                            "unknown field '" + it.key() + "'"));
            return;
        }
    }
    if (!body.contains("language") || !body["language"].is_string() ||
        !isLanguage(body["language"].get_ref<const std::string&>())) {
        reply(jsonError(http::status::bad_request, "bad_language", "language: required, ja or en"));
        return;
    }
    const std::string language = body["language"].get<std::string>();
    const core::ApiCall call = callOf(req);
    json payload = core::actorFields(call);
    payload["language"] = language;
    core::Event event;
    event.timeUs = context->clock.nowUs();
    event.type = "operator.language_set";
    event.source = core::actorSource(call);
    event.subject = call.actor;
    event.payload = payload.dump();
    core::Change change;
    change.events.push_back(std::move(event));
    change.apply = [name = call.actor,
                    language](core::Database& db) -> core::Result<std::vector<core::Event>> {
        if (auto r = storeLanguage(db, name, language); !r) {
            return r.error();
        }
        return std::vector<core::Event>{};
    };
    change.onDone = [language, reply = std::move(reply)](const core::Result<void>& done) {
        if (!done) {
            reply(internalError(done.error()));
            return;
        }
        ApiResponse r;
        r.body = {{"language", language}};
        reply(std::move(r));
    };
    context->recorder.commit(std::move(change));
}

}  // namespace

json siteJson(const core::SiteInfo& site) {
    return {{"id", site.id}, {"name", site.name}, {"utc_offset_minutes", site.utcOffsetMinutes}};
}

core::Result<void> addShellRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context) {
    using V = http::verb;
    if (auto r = router.add(
            V::get, "/api/site", RouteAccess::loggedIn(),
            [context](const ApiRequest& req, Reply reply) { getSite(*context, req, reply); });
        !r) {
        return r;
    }
    if (auto r = router.add(
            V::get, "/api/ui/messages", RouteAccess::anyone(),
            [context](const ApiRequest& req, Reply reply) { getMessages(*context, req, reply); });
        !r) {
        return r;
    }
    return router.add(V::post, kLanguageRoute, RouteAccess::loggedIn(),
                      [context](const ApiRequest& req, Reply reply) {
                          postLanguage(context, req, std::move(reply));
                      });
}

}  // namespace sekimori::console
