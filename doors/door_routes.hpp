#pragma once
// The console's read routes of the doors domain (docs/openapi.yaml), declared with their roles
// where they are registered:
//   GET /api/doors         {"doors": [doorJson..., circleGateJson...]}  operator,
//                                                                  security_admin, facility_admin
//   GET /api/doors/{id}    {"door": doorJson or circleGateJson}, 404 unknown id   the same
//   GET /api/presence      Presence::toJson(): {"zones": {...}}   the same
//   GET /api/people        peopleList(): {"people": [...]}        facility_admin, security_admin;
//                          ?limit=1..1000, ?query= (an id prefix or part of the name)
// The first three read io-thread state (RunOn::io); people reads SQLite on a console worker.
// The write routes are doors/enrollment_routes.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/api_route.hpp"

namespace sekimori::doors {

struct DoorRouteSources {
    std::function<nlohmann::json()> doors;                                  // io thread
    std::function<std::optional<nlohmann::json>(const std::string&)> door;  // io thread
    std::function<nlohmann::json()> presence;                               // io thread
    std::string databasePath;  // people: a read-only connection per call, on the worker
};

inline constexpr core::RoleSet kDoorViewers{core::Role::deskOperator, core::Role::securityAdmin,
                                            core::Role::facilityAdmin};
inline constexpr core::RoleSet kEnrollers{core::Role::facilityAdmin, core::Role::securityAdmin};

std::vector<core::ApiRoute> doorRoutes(DoorRouteSources sources);

}  // namespace sekimori::doors
