// The site's domains, in start order. One line per domain: its name, its config section, and
// the factory in app/<domain>_wiring.cpp that makes its service from the daemon's shared parts.
#include "app/domains.hpp"

#include "app/alarms_wiring.hpp"
#include "app/approvals_wiring.hpp"
#include "app/custody_wiring.hpp"
#include "app/door_wiring.hpp"
#include "app/drills_wiring.hpp"
#include "app/health_wiring.hpp"
#include "app/hvac_wiring.hpp"
#include "app/power_wiring.hpp"
#include "app/reports_wiring.hpp"
#include "app/vault_wiring.hpp"
#include "app/witness_wiring.hpp"
#include "cameras/camera_config.hpp"
#include "hvac/hvac_config.hpp"
#include "power/power_config.hpp"

namespace sekimori::app {

std::vector<Domain> siteDomains() {
    std::vector<Domain> domains;
    for (auto& doors : doorsDomains()) {  // the access rules' section, then the doors'
        domains.push_back(std::move(doors));
    }
    domains.push_back(configOnly<cameras::CameraConfigSection>("cameras"));
    domains.push_back(domainWith<power::PowerConfigSection>("power", makePowerService));
    domains.push_back(domainWith<hvac::HvacConfigSection>("hvac", makeHvacService));
    domains.push_back(domainWith<vault::VaultConfigSection>("vault", makeVaultService));
    domains.push_back(domainWith<custody::CustodyConfigSection>("custody", makeCustodyService));
    // After every domain that declares alarm rules in its factory.
    domains.push_back(domainWith<alarms::AlarmsConfigSection>("alarms", makeAlarmsService));
    domains.push_back(domainWith<health::HealthConfigSection>("health", makeHealthService));
    domains.push_back(
        domainWith<policy::ApprovalsConfigSection>("approvals", makeApprovalsService));
    domains.push_back(domainWith<witness::WitnessConfigSection>("witness", makeWitnessLinkService));
    domains.push_back(domainWith<reports::ReportsConfigSection>("reports", makeReportsService));
    // After reports, which makes the report-signing key the drill reports are signed with.
    domains.push_back(domainWith<drills::DrillsConfigSection>("drills", makeDrillsService));
    return domains;
}

}  // namespace sekimori::app
