#include "core/api_actor.hpp"

#include "core/roles.hpp"

namespace sekimori::core {

nlohmann::json actorFields(const ApiCall& call) {
    nlohmann::json fields = {{"actor", call.actor}, {"role", std::string(roleName(call.role))}};
    if (!call.unixUser.empty()) {
        fields["unix_user"] = call.unixUser;
    }
    return fields;
}

std::string actorSource(const ApiCall& call) {
    return "operator:" + call.actor;
}

}  // namespace sekimori::core
