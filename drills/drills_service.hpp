#pragma once
// The drills domain as the daemon runs it (docs/drills.md): an approved request starts a drill,
// which plays its scenario to the plant simulator (simulation) or follows a real test (observe),
// keeps the power.* and hvac.* events of its window as its timeline, and at its end reads the
// trend stores, judges the criteria and writes the signed report. It holds no path to a device,
// a lock or a hub: its only output besides the trail is the simulator's control port.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "drills/drills_config.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::drills {

inline const core::RoleSet kDrillViewers = core::RoleSet::all();
inline const core::RoleSet kDrillRequesters{core::Role::bcpCoordinator};
// A second person of the roles that answer for the plant and the site (never the requester:
// the approval engine's rule); the BCP team asks, it does not approve its own drills.
inline const core::RoleSet kDrillApprovers{core::Role::facilityAdmin, core::Role::securityAdmin};
inline const core::RoleSet kDrillAborters{core::Role::bcpCoordinator, core::Role::facilityAdmin,
                                          core::Role::securityAdmin};

struct DrillsServiceParts {
    boost::asio::any_io_executor executor;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    policy::ApprovalEngine& approvals;
    DrillsConfig config;
    std::string databasePath;                 // read-only: the runs restored at start
    std::vector<std::string> telemetryPaths;  // the power and hvac trend stores, read-only
    std::string signingKeyPath;               // the daemon's report-signing key
    std::filesystem::path reportDir;          // <data_dir>/drills
    std::filesystem::path webDir;
    int utcOffsetMinutes = 540;
};

class DrillsService final : public core::Service {
  public:
    // Restores the runs from the trail and registers the approval kind drills.run.
    static core::Result<std::unique_ptr<DrillsService>> create(DrillsServiceParts parts);
    ~DrillsService() override;

    std::string_view name() const override { return "drills"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

    struct Impl;

  private:
    explicit DrillsService(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::drills
