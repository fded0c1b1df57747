#pragma once
// Maps the site configuration into what doors/ takes: door specs, schedules, keys and the
// names enrollment may grant. doors/ never reads configuration itself.
#include <vector>

#include "app/site_paths.hpp"
#include "core/result.hpp"
#include "core/site_config_model.hpp"
#include "doors/door_controller.hpp"
#include "doors/door_spec.hpp"
#include "doors/enrollment.hpp"
#include "policy/schedule.hpp"

namespace sekimori::app {

std::vector<doors::DoorSpec> doorSpecs(const core::SiteConfig& config);
std::vector<policy::Schedule> schedules(const core::SiteConfig& config);
doors::KnownNames knownNames(const core::SiteConfig& config);

// Loads (creating on first use, 0600) the pepper, template and per-panel keys.
core::Result<doors::DoorKeys> loadOrCreateDoorKeys(const core::SiteConfig& config,
                                                   const SitePaths& paths);

}  // namespace sekimori::app
