#pragma once
// One person's page and record (docs/openapi.yaml, "People"), declared with their roles where
// they are registered:
//   GET    /api/people/{id}          {"person": personPage}  facility_admin, security_admin
//   PATCH  /api/people/{id}          {name?, organisation?, valid_from_us?, valid_until_us?,
//                                     escort_required?}       200 (person.updated)
//   POST   /api/people/{id}/disable  {comment}               200 (person.disabled)
//   POST   /api/people/{id}/enable   {comment}               200 (person.enabled)
//   PUT    /api/people/{id}/photo    {photo_b64}             200 (person.photo_set): JPEG or
//                                                            PNG by its magic, <= 256 KB
//   GET    /api/people/{id}/photo    the image bytes, its content type   + operator (the desk
//                                                            checks a face against the card)
// Writes: facility_admin and security_admin, never for the operator's own person; each is one
// core::Change (rows and event) answered once durable. A disabled person is refused at the very
// next card step: the step waits on the credential cache's refresh (doors/credential_cache),
// which sees the committed row. The reads run on a console worker with a read-only connection.
#include <memory>
#include <string>
#include <vector>

#include "core/api_route.hpp"
#include "doors/enrollment_routes.hpp"

namespace sekimori::doors {

inline constexpr core::RoleSet kPhotoViewers{core::Role::facilityAdmin, core::Role::securityAdmin,
                                             core::Role::deskOperator};

std::vector<core::ApiRoute> personRoutes(std::shared_ptr<const EnrollmentContext> context,
                                         std::string databasePath);

}  // namespace sekimori::doors
