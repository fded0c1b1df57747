#pragma once
// The operator roles live in core (domains declare them on their routes); the console keeps
// its historical names for them.
#include "core/roles.hpp"

namespace sekimori::console {

using core::kAllRoles;
using core::parseRole;
using core::Role;
using core::roleName;
using core::RoleSet;

}  // namespace sekimori::console
