#include "doors/person_routes.hpp"

#include "core/log.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_route_support.hpp"
#include "doors/credential_store.hpp"
#include "doors/people_query.hpp"

namespace sekimori::doors {
namespace {

struct Sources {
    EnrollmentContextPtr context;
    std::string databasePath;
};
using SourcesPtr = std::shared_ptr<const Sources>;

core::ApiResult internalError(const core::Error& error) {
    core::logError("doors", error.code + ": " + error.message);
    return routeError(500, "doors.internal", "internal error");
}

// The event types a role sees on the page, as DoorsService::eventVisibility admits them live:
// a facility admin sees credential, presence and zone events, not access or door events.
bool visibleTo(core::Role role, std::string_view type) {
    if (role == core::Role::securityAdmin) {
        return true;
    }
    for (std::string_view prefix : {"person.", "credential.", "presence.", "zone."}) {
        if (type.substr(0, prefix.size()) == prefix) {
            return true;
        }
    }
    return false;
}

void getPerson(const SourcesPtr& sources, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkNoBody(call)) {
        return reply(std::move(*bad));
    }
    const std::string id = param(call, "id");
    if (auto bad = checkId("id", id)) {
        return reply(std::move(*bad));
    }
    auto db = core::Database::open(sources->databasePath, core::Database::Mode::readOnly);
    if (!db) {
        return reply(internalError(db.error()));
    }
    const core::Role role = call.role;
    auto page =
        personPage(**db, id, [role](std::string_view type) { return visibleTo(role, type); });
    if (!page) {
        return reply(internalError(page.error()));
    }
    if (!page->has_value()) {
        return reply(routeError(404, kEnrollUnknownPerson, "no person with id '" + id + "'"));
    }
    reply(core::ApiResult{200, std::move(**page)});
}

void patchPerson(const SourcesPtr& sources, const core::ApiCall& call, core::ApiReply reply) {
    // weight_kg is a number (checkBody knows strings, whole numbers and booleans): checked here.
    std::optional<int> weightG;
    core::ApiCall rest = call;
    if (rest.body.is_object() && rest.body.contains("weight_kg")) {
        const auto& kg = rest.body["weight_kg"];
        if (!kg.is_number() || kg.get<double>() < 0 || kg.get<double>() > kMaxWeightG / 1000.0) {
            return reply(routeError(400, kDoorsBadRequest,
                                    "weight_kg: must be a number 0..300 (0 removes it)"));
        }
        weightG = static_cast<int>(kg.get<double>() * 1000.0 + 0.5);
        rest.body.erase("weight_kg");
    }
    if (auto bad = checkBody(rest, {{"name", FieldKind::string, false},
                                    {"organisation", FieldKind::string, false},
                                    {"valid_from_us", FieldKind::integer, false},
                                    {"valid_until_us", FieldKind::integer, false},
                                    {"escort_required", FieldKind::boolean, false}})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    PersonPatch patch;
    const auto& body = call.body;
    if (body.contains("name")) {
        patch.name = body["name"].get<std::string>();
        if (patch.name->empty() || patch.name->size() > kMaxNameBytes) {
            return reply(
                routeError(400, kDoorsBadRequest,
                           "name: must be 1.." + std::to_string(kMaxNameBytes) + " bytes"));
        }
    }
    if (body.contains("organisation")) {
        patch.organisation = body["organisation"].get<std::string>();
        if (patch.organisation->size() > kMaxNameBytes) {
            return reply(routeError(
                400, kDoorsBadRequest,
                "organisation: must be at most " + std::to_string(kMaxNameBytes) + " bytes"));
        }
    }
    if (body.contains("valid_from_us")) {
        patch.validFromUs = body["valid_from_us"].get<core::TimeUs>();
    }
    if (body.contains("valid_until_us")) {
        patch.validUntilUs = body["valid_until_us"].get<core::TimeUs>();
    }
    if (body.contains("escort_required")) {
        patch.escortRequired = body["escort_required"].get<bool>();
    }
    patch.weightG = weightG;
    if (patch.empty()) {
        return reply(routeError(400, kDoorsBadRequest,
                                "body: give at least one of name, organisation, valid_from_us, "
                                "valid_until_us, escort_required, weight_kg"));
    }
    commitAction(
        sources->context, call,
        [person, patch](Enrollment& e) { return e.updatePerson(person, patch); }, 200,
        {{"person", person}, {"updated", body}}, std::move(reply));
}

void setActive(const SourcesPtr& sources, const core::ApiCall& call, bool active,
               core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"comment"}})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    const std::string comment = bodyString(call, "comment");
    if (comment.empty() || comment.size() > kMaxCommentBytes) {
        return reply(routeError(
            400, kDoorsBadRequest,
            "comment: must be 1.." + std::to_string(kMaxCommentBytes) + " bytes (say why)"));
    }
    commitAction(
        sources->context, call,
        [person, active, comment](Enrollment& e) { return e.setActive(person, active, comment); },
        200, {{"person", person}, {"active", active}}, std::move(reply));
}

void putPhoto(const SourcesPtr& sources, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkBody(call, {{"photo_b64"}})) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkSubject(call, person)) {
        return reply(std::move(*bad));
    }
    auto bytes = core::fromBase64(bodyString(call, "photo_b64"));
    if (!bytes) {
        return reply(routeError(400, kDoorsBadRequest, "photo_b64: not valid base64"));
    }
    if (bytes->empty() || bytes->size() > kMaxPhotoBytes) {
        return reply(routeError(400, kDoorsBadRequest,
                                "photo_b64: the photo must be 1.." +
                                    std::to_string(kMaxPhotoBytes) + " bytes, got " +
                                    std::to_string(bytes->size())));
    }
    auto mime = photoMime(*bytes);
    if (!mime) {
        return reply(routeError(400, kDoorsBadRequest,
                                "photo_b64: not a JPEG or PNG image (checked by its first bytes)"));
    }
    const std::string sha = core::toHex(core::sha256(*bytes));
    auto photo = std::make_shared<const core::Bytes>(std::move(*bytes));
    commitAction(
        sources->context, call,
        [person, photo](Enrollment& e) { return e.setPhoto(person, *photo); }, 200,
        {{"person", person},
         {"mime", *mime},
         {"sha256", sha},
         {"photo_url", "/api/people/" + person + "/photo"}},
        std::move(reply));
}

void getPhoto(const SourcesPtr& sources, const core::ApiCall& call, core::ApiReply reply) {
    if (auto bad = checkNoBody(call)) {
        return reply(std::move(*bad));
    }
    const std::string person = param(call, "id");
    if (auto bad = checkId("id", person)) {
        return reply(std::move(*bad));
    }
    auto db = core::Database::open(sources->databasePath, core::Database::Mode::readOnly);
    if (!db) {
        return reply(internalError(db.error()));
    }
    auto store = CredentialStore::attach(**db);
    if (!store) {
        return reply(internalError(store.error()));
    }
    auto photo = (*store)->findPhoto(person);
    if (!photo) {
        return reply(internalError(photo.error()));
    }
    if (!photo->has_value()) {
        return reply(routeError(404, kDoorsNotFound, "person '" + person + "' has no photo"));
    }
    // One chunk, then the end.
    auto bytes = std::make_shared<core::Bytes>(std::move((*photo)->bytes));
    core::StreamBody body;
    body.contentType = (*photo)->mime;
    body.next = [bytes]() -> core::Result<std::string> {
        std::string chunk;
        chunk.swap(*bytes);
        return chunk;
    };
    reply(std::move(body));
}

}  // namespace

std::vector<core::ApiRoute> personRoutes(EnrollmentContextPtr context, std::string databasePath) {
    auto sources =
        std::make_shared<const Sources>(Sources{std::move(context), std::move(databasePath)});
    using Handler = void (*)(const SourcesPtr&, const core::ApiCall&, core::ApiReply);
    const auto route = [&sources](core::HttpMethod method, std::string pattern, core::RoleSet roles,
                                  core::RunOn runOn, Handler handler) {
        return core::ApiRoute{method, std::move(pattern), roles, runOn,
                              [sources, handler](const core::ApiCall& call, core::ApiReply reply) {
                                  handler(sources, call, std::move(reply));
                              }};
    };
    return {
        route(core::HttpMethod::get, "/api/people/{id}", kCredentialWriters, core::RunOn::worker,
              getPerson),
        route(core::HttpMethod::patch, "/api/people/{id}", kCredentialWriters, core::RunOn::io,
              patchPerson),
        route(core::HttpMethod::post, "/api/people/{id}/disable", kCredentialWriters,
              core::RunOn::io,
              [](const SourcesPtr& s, const core::ApiCall& call, core::ApiReply reply) {
                  setActive(s, call, false, std::move(reply));
              }),
        route(core::HttpMethod::post, "/api/people/{id}/enable", kCredentialWriters,
              core::RunOn::io,
              [](const SourcesPtr& s, const core::ApiCall& call, core::ApiReply reply) {
                  setActive(s, call, true, std::move(reply));
              }),
        route(core::HttpMethod::put, "/api/people/{id}/photo", kCredentialWriters, core::RunOn::io,
              putPhoto),
        route(core::HttpMethod::get, "/api/people/{id}/photo", kPhotoViewers, core::RunOn::worker,
              getPhoto),
    };
}

}  // namespace sekimori::doors
