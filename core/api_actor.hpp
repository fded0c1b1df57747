#pragma once
// Who caused an event, as the trail records it. Every event an API call causes carries the
// authenticated operator, the operator's role and, over the local socket, the Unix user of
// the peer process; never a free-text name the caller chose.
#include <string>

#include <nlohmann/json.hpp>

#include "core/api_route.hpp"

namespace sekimori::core {

// {"actor":"<operator>","role":"<role>","unix_user":"<name>"}; unix_user only when not empty.
// Merged into the payload of every event the call causes.
nlohmann::json actorFields(const ApiCall& call);

// The Event::source of such an event: "operator:<name>".
std::string actorSource(const ApiCall& call);

}  // namespace sekimori::core
