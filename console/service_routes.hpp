#pragma once
// Adapts the routes a domain service declares (core::ApiRoute) into the console's router. The
// console has checked the session and the role before the handler runs; the handler gets an
// ApiCall (path parameters, decoded query, the JSON body parsed — 400 when it is not JSON —,
// actor, role, the operator's linked person, remote — "unix" with the peer's Unix user on the
// local socket) and runs on the io thread or on the console's pool, as the route asks.
// Its answer is posted back to the io thread whatever thread it comes from.
#include <memory>
#include <string_view>
#include <vector>

#include "console/console_context.hpp"
#include "console/router.hpp"
#include "core/api_route.hpp"

namespace sekimori::console {

http::verb toVerb(core::HttpMethod method);
// The console's answer for a service's.
ApiResponse toApiResponse(core::ApiAnswer answer);

// An error names the service and the route when a pattern is malformed, admits no role, has no
// handler, or is already taken.
core::Result<void> addServiceRoutes(Router& router, std::string_view serviceName,
                                    std::vector<core::ApiRoute> routes,
                                    const std::shared_ptr<ConsoleContext>& context);

}  // namespace sekimori::console
