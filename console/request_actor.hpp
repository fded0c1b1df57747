#pragma once
// Who makes a console request, as the trail records it (core/api_actor.hpp): the logged-in
// operator, the role, the linked person and, on the local socket, the peer's Unix user.
#include "console/http_types.hpp"
#include "console/local_socket_listener.hpp"
#include "core/api_route.hpp"

namespace sekimori::console {

// For a request whose route needs a login (req.session is set).
inline core::ApiCall callOf(const ApiRequest& req) {
    core::ApiCall call;
    call.actor = req.session->name;
    call.role = req.session->role;
    call.actorPerson = req.session->person;
    setCallPeer(call, req.remote);  // "unix" and the peer's Unix user on the local socket
    return call;
}

}  // namespace sekimori::console
