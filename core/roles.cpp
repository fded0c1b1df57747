#include "core/roles.hpp"

namespace sekimori::core {

std::string_view roleName(Role role) {
    switch (role) {
        case Role::deskOperator:
            return "operator";
        case Role::facilityAdmin:
            return "facility_admin";
        case Role::securityAdmin:
            return "security_admin";
        case Role::auditor:
            return "auditor";
        case Role::bcpCoordinator:
            return "bcp_coordinator";
    }
    return "unknown";
}

std::optional<Role> parseRole(std::string_view name) {
    for (Role r : kAllRoles) {
        if (roleName(r) == name) {
            return r;
        }
    }
    return std::nullopt;
}

std::vector<std::string> RoleSet::names() const {
    std::vector<std::string> out;
    for (Role r : kAllRoles) {
        if (contains(r)) {
            out.emplace_back(roleName(r));
        }
    }
    return out;
}

}  // namespace sekimori::core
