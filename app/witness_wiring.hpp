#pragma once
// The witness link's wiring: builds witness::WitnessLinkService from the daemon's shared parts
// and the checked [[witnesses]] section (each witness's pinned public key read here).
#include <memory>

#include "app/daemon_parts.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "witness/witness_config.hpp"

namespace sekimori::app {

// The factory app/domains.cpp lists for "witness". A site without witnesses gets a service that
// does nothing (the config check already required one where zones need it).
core::Result<std::unique_ptr<core::Service>> makeWitnessLinkService(
    const DaemonParts& parts, const witness::WitnessesConfig& config);

}  // namespace sekimori::app
