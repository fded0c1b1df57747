#pragma once
// The custody domain as the daemon runs it (docs/custody.md): key cabinets that release only the
// slots a person may take after a grant at the cabinet's door, the keys out and their alarms
// (forced, overdue, holder gone), carried-in items registered in advance (four-eyes), checked in
// and out by the guard, and metal detectors whose hit holds their portal until a guard clears
// it with a comment. Devices speak the MQTT profile of docs/custody-devices.md; every report is
// acknowledged only once what it made is durable. State is the trail's fold, rebuilt at start.
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "custody/custody_config.hpp"
#include "custody/custody_decisions.hpp"
#include "io/mqtt_router.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::custody {

struct CustodyServiceParts {
    boost::asio::any_io_executor executor;
    io::MqttRouter& router;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    policy::ApprovalEngine& approvals;
    std::string site;
    CustodyConfig config;
    ZoneTree zones;
    std::string databasePath;  // read-only, for the start-up rebuild
    std::filesystem::path webDir;
};

// Who sees the custody page and its events; who registers items and key requests; who checks
// items and clears detections (the guard at the desk).
inline const core::RoleSet kCustodyViewers{core::Role::deskOperator, core::Role::facilityAdmin,
                                           core::Role::securityAdmin, core::Role::auditor};
inline const core::RoleSet kCustodyRegistrars{core::Role::facilityAdmin, core::Role::securityAdmin};
inline const core::RoleSet kCustodyGuards{core::Role::deskOperator, core::Role::securityAdmin};

class CustodyService final : public core::Service {
  public:
    static core::Result<std::unique_ptr<CustodyService>> create(CustodyServiceParts parts);
    ~CustodyService() override;
    std::string_view name() const override { return "custody"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

    struct Impl;

  private:
    explicit CustodyService(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::custody
