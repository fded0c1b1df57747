#pragma once
// The vault link's wiring: builds vault::VaultService from the daemon's shared parts and the
// checked [vault] section, and declares its alarm (a handler inside after their window ended).
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "vault/vault_config.hpp"

namespace sekimori::app {

// Without [vault], the link-off service (its page says so; a zone ruled work_window admits
// nobody, as no window book is ever published).
core::Result<std::unique_ptr<core::Service>> makeVaultService(const DaemonParts& parts,
                                                              const vault::VaultConfig& config);

}  // namespace sekimori::app
