#pragma once
// The power domain as the daemon runs it (docs/power.md): the feeds' meters, the transfer
// switch, the generator, the UPS cards and the relays/PDUs polled over Modbus TCP (one thread
// per device, io/modbus), the UPS units read through NUT's upsd (io/nut), every value a
// telemetry point with its quality and trend (core/telemetry_*), and the plant model
// (power/plant_model.hpp) that turns them into the one-line diagram, transfers, generator
// states and fuel endurance. Writes to the plant happen only for an approved command
// (power/plant_command.hpp) and are confirmed only by the device's read-back.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/roles.hpp"
#include "core/service.hpp"
#include "io/modbus_device_config.hpp"
#include "io/mqtt_router.hpp"
#include "policy/approval_engine.hpp"
#include "policy/schedule.hpp"
#include "power/power_config.hpp"

namespace sekimori::power {

struct PowerServiceParts {
    boost::asio::any_io_executor executor;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    policy::ApprovalEngine& approvals;
    PowerConfig config;
    io::ModbusDevicesConfig devices;
    std::string telemetryPath;  // the domain's own trend store (core/telemetry_store.hpp)
    std::string databasePath;   // read-only, for the start-up restore of the plant's state
    std::filesystem::path webDir;
    // Hub timers: the site's schedules (with its calendar), and the link their retained state
    // is published on for the terminals (sekimori/<site>/hub/<hub>/state, docs/mqtt.md).
    std::vector<policy::Schedule> schedules;
    io::MqttRouter* router = nullptr;  // null in unit tests: nothing is published
    std::string siteId;
    int utcOffsetMinutes = 540;
};

// Who sees the plant; who asks for a command or records a delivery of fuel; who approves a
// command (never the one who asked: the approval engine refuses it).
inline const core::RoleSet kPowerViewers{core::Role::deskOperator, core::Role::facilityAdmin,
                                         core::Role::securityAdmin, core::Role::auditor,
                                         core::Role::bcpCoordinator};
inline const core::RoleSet kPowerRequesters{core::Role::facilityAdmin};
inline const core::RoleSet kPowerApprovers{core::Role::facilityAdmin, core::Role::securityAdmin};

class PowerService final : public core::Service {
  public:
    // Opens the trend store and declares every point; an invalid map is an error here.
    static core::Result<std::unique_ptr<PowerService>> create(PowerServiceParts parts);
    ~PowerService() override;
    std::string_view name() const override { return "power"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

    struct Impl;

  private:
    explicit PowerService(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::power
