#pragma once
// The doors domain's wiring: builds doors::DoorsService from the daemon's shared parts and the
// checked [[doors]] section, and loads the keys the doors need. doors/ never reads
// configuration files or key files itself.
#include <memory>
#include <vector>

#include "app/daemon_parts.hpp"
#include "app/domain.hpp"
#include "app/site_paths.hpp"
#include "core/result.hpp"
#include "core/service.hpp"
#include "core/site_config_model.hpp"
#include "doors/access_rules_config.hpp"
#include "doors/door_config.hpp"
#include "doors/door_keys.hpp"
#include "doors/enrollment.hpp"
#include "doors/offline_config.hpp"
#include "policy/holiday_calendar.hpp"
#include "policy/schedule.hpp"

namespace sekimori::app {

// The doors' entries of the domain list (app/domains.cpp), in order: "access_rules" (the
// [[groups]], [[access_levels]], [[zone_rules]] and [lockdown] section; read first, so the doors'
// check sees the group ids it declares) and "doors" ([[doors]] and friends), whose factory makes
// the service from both.
std::vector<Domain> doorsDomains();

// The factory of the "doors" entry: loads (creating on first use) the keys of
// every panel the doors name, and makes the service on parts.paths.database.
core::Result<std::unique_ptr<core::Service>> makeDoorsService(
    const DaemonParts& parts, const doors::DoorsConfig& config,
    const doors::AccessRulesConfig& rules, const doors::OfflineConfig& offline = {});

doors::KnownNames knownNames(const core::SiteConfig& config);

// Loads (creating on first use, 0600) the pepper, template and per-panel keys of `doors`.
core::Result<doors::DoorKeys> loadOrCreateDoorKeys(const doors::DoorsConfig& doors,
                                                   const SitePaths& paths);
// The two keys enrollment needs (the CLI): the PIN pepper and the template key.
core::Result<doors::EnrollmentKeys> loadOrCreateEnrollmentKeys(const SitePaths& paths);

}  // namespace sekimori::app
