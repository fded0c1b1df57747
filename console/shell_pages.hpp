#pragma once
// The shell's own pages each role sees (docs/openapi.yaml, GET /api/me "pages"; the page
// matrix of issue 13). Plugin pages are not listed here: a plugin's page appears because the
// server hands the plugin to the role. The list only shapes the navigation; every route still
// checks its roles itself.
#include <array>
#include <string_view>
#include <vector>

#include "console/roles.hpp"

namespace sekimori::console {

struct ShellPage {
    std::string_view id;  // the URL #/<id> and the catalogue key page.<id>
    RoleSet roles;
};

inline constexpr std::array<ShellPage, 4> kShellPages{{
    {"overview", RoleSet{Role::deskOperator, Role::securityAdmin, Role::bcpCoordinator}},
    {"events",
     RoleSet{Role::deskOperator, Role::securityAdmin, Role::auditor, Role::bcpCoordinator}},
    {"audit", RoleSet{Role::securityAdmin, Role::auditor}},
    {"operators", RoleSet{Role::securityAdmin}},
}};

// The shell pages `role` may open, in navigation order.
inline std::vector<std::string_view> shellPagesFor(Role role) {
    std::vector<std::string_view> out;
    for (const auto& page : kShellPages) {
        if (page.roles.contains(role)) {
            out.push_back(page.id);
        }
    }
    return out;
}

}  // namespace sekimori::console
