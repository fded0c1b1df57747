#include "console/event_visibility.hpp"

#include <algorithm>

namespace sekimori::console {

std::vector<core::EventVisibility> EventVisibilityRules::consoleRules() {
    return {
        // Accounts, logins and refusals are the security admin's to watch and the auditor's to
        // read; the desk has no business with other operators' logins.
        {"operator.", RoleSet{Role::securityAdmin, Role::auditor}},
        // The console's own records (who exported the trail) are theirs too.
        {"console.", RoleSet{Role::securityAdmin, Role::auditor}},
        // The trail's own checkpoints and verification results.
        {"audit.", RoleSet{Role::auditor, Role::securityAdmin}},
        // The daemon starting or stopping, and malformed or foreign device messages, matter to
        // whoever watches the site.
        {"daemon.", RoleSet{Role::deskOperator, Role::securityAdmin, Role::auditor}},
        {"mqtt.", RoleSet{Role::deskOperator, Role::securityAdmin, Role::auditor}},
    };
}

void EventVisibilityRules::add(core::EventVisibility rule) {
    rules_.push_back(std::move(rule));
}

bool EventVisibilityRules::admits(Role role, std::string_view type) const {
    for (const auto& rule : rules_) {
        if (!rule.typePrefix.empty() && type.starts_with(rule.typePrefix) &&
            rule.roles.contains(role)) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> EventVisibilityRules::prefixesFor(Role role) const {
    std::vector<std::string> out;
    for (const auto& rule : rules_) {
        if (!rule.typePrefix.empty() && rule.roles.contains(role) &&
            std::find(out.begin(), out.end(), rule.typePrefix) == out.end()) {
            out.push_back(rule.typePrefix);
        }
    }
    return out;
}

}  // namespace sekimori::console
