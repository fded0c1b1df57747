#include "vault/vault_rebuild.hpp"

namespace sekimori::vault {

core::Result<VaultState> rebuildVaultState(core::Database& db,
                                           const std::vector<core::Bytes>& vaultKeys,
                                           const std::set<std::string>& areas,
                                           core::TimeUs nonceSinceUs, std::int64_t skewSeconds) {
    VaultState state;
    state.skewSeconds = skewSeconds;
    auto exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!exists) {
        return exists.error();
    }
    exists->bind(1, std::string_view("audit_events"));
    auto found = exists->step();
    if (!found) {
        return found.error();
    }
    if (!*found) {
        return state;
    }
    auto st = db.prepare(
        "SELECT seq, time_us, type, payload FROM audit_events WHERE type IN ("
        "'vault.handlers_changed', 'vault.window_approved', 'vault.window_revoked',"
        " 'vault.presence_acked', 'vault.window_ended_inside', 'vault.overstay_cleared',"
        " 'presence.entered', 'presence.left', 'zone.alone', 'zone.alone_cleared')"
        // Questions only for their nonces: those older than the skew cannot come back.
        " OR (type IN ('vault.authorized', 'vault.presence_read') AND time_us >= ?1)"
        " ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, nonceSinceUs);
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            state.bookChanged = true;  // the first publication
            return state;
        }
        const auto payload =
            nlohmann::json::parse(st->columnText(3), nullptr, /*allow_exceptions=*/false);
        apply(state, vaultKeys, areas, static_cast<std::uint64_t>(st->columnInt(0)),
              st->columnText(2), payload, st->columnInt(1));
    }
}

}  // namespace sekimori::vault
