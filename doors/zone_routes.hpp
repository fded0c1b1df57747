#pragma once
// The zone control routes (docs/openapi.yaml), declared with their roles where they are
// registered; every write is audited with the actor and answered once its event is durable:
//   GET  /api/lockdown         {"lockdowns": [...], "exempt_groups": [...]}     door viewers
//   POST /api/lockdown         {scope: site|zone, zone?, comment} -> 201          operator,
//                              (a lockdown is an emergency: the desk starts it)  security_admin
//   POST /api/lockdown/lift    {scope, zone?, comment} -> 200                    security_admin
//   POST /api/people/{id}/passback/forgive {comment} -> 200                     operator,
//                              (nobody forgives themselves)                      security_admin
//   GET  /api/muster           ZoneControl::musterReport()                       door viewers
//   POST /api/muster           {comment} -> 201 with the report                  operator,
//                                                                                security_admin
//   GET  /api/zone_control     ZoneControl::toJson() (lockdowns, never-alone,    door viewers
//                              forgiven, the muster's counts: the overview's tiles)
// Errors: {"error": message, "code": "doors.<what>"}: doors.bad_request (400), doors.forbidden
// (403), doors.not_found (404), doors.lockdown_active / doors.not_locked_down /
// doors.already_forgiven (409), doors.store_unavailable (503). All run on the io thread.
#include <vector>

#include "core/api_route.hpp"
#include "doors/zone_control.hpp"

namespace sekimori::doors {

inline constexpr core::RoleSet kZoneDeskRoles{core::Role::deskOperator, core::Role::securityAdmin};
inline constexpr core::RoleSet kLockdownLifters{core::Role::securityAdmin};
inline constexpr core::RoleSet kZoneViewers{core::Role::deskOperator, core::Role::securityAdmin,
                                            core::Role::facilityAdmin};

// The routes act on `zones`, which must outlive them (the doors service owns both).
std::vector<core::ApiRoute> zoneRoutes(ZoneControl& zones);

}  // namespace sekimori::doors
