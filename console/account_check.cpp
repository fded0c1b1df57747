#include "console/account_check.hpp"

namespace sekimori::console {

core::Result<AccountState> readAccount(core::Database& db, OperatorTrail& trail,
                                       std::string_view name) {
    AccountState state;
    auto found = findOperator(db, name);
    if (!found) {
        return found.error();
    }
    state.record = std::move(*found);
    if (!state.record) {
        return state;
    }
    auto trust = trail.check(db, name);
    if (!trust) {
        return trust.error();
    }
    state.trust = std::move(*trust);
    return state;
}

std::optional<std::string_view> sessionEndReason(const SessionInfo& session,
                                                 const AccountState& account) {
    if (!account.record) {
        return "removed";
    }
    if (!account.trust.ok()) {
        return "row_mismatch";
    }
    if (account.record->disabled) {
        return "disabled";
    }
    if (account.record->role != session.role || account.record->person != session.person) {
        return "role_changed";
    }
    return std::nullopt;
}

}  // namespace sekimori::console
