#pragma once
// The hvac domain as the daemon runs it (docs/hvac.md): one Modbus poller per CRAC unit's and
// room sensor's device, each pass applied whole to the domain's own telemetry registry (points
// "<device>.<point>", trends in its own store file), then the climate watch (climate_watch.hpp)
// judged and its events recorded; a timer runs the watch's delays and the registry's stale
// limits between passes. Power events on the bus ("power.*") tag the climate events that follow.
// Serves GET /api/hvac and GET /api/hvac/trend, and the console plugin "hvac".
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "hvac/hvac_config.hpp"
#include "io/modbus/modbus_poller.hpp"
#include "io/modbus_device_config.hpp"

namespace sekimori::hvac {

struct HvacServiceParts {
    boost::asio::any_io_executor executor;
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    HvacConfig config;
    std::vector<io::modbus::DeviceSpec> devices;  // hvacDeviceSpecs(): one per device polled
    std::string telemetryPath;                    // the trend store's file; empty: no trends
    std::filesystem::path webDir;
};

// Who sees the hvac page, its routes and its events.
inline const core::RoleSet kHvacViewers{core::Role::deskOperator, core::Role::facilityAdmin,
                                        core::Role::securityAdmin, core::Role::auditor};

// The devices the CRAC units and sensors name, each once, with its profile's points
// (io/modbus/device_profiles.hpp) and the host, port, unit id, poll and time-out of
// [[modbus_devices]]. An error names a device that is missing or has another profile.
core::Result<std::vector<io::modbus::DeviceSpec>> hvacDeviceSpecs(
    const HvacConfig& config, const io::ModbusDevicesConfig& devices);

class HvacService final : public core::Service {
  public:
    // Opens the trend store (blocking: before the io thread runs) and declares the points.
    static core::Result<std::unique_ptr<HvacService>> create(HvacServiceParts parts);
    ~HvacService() override;
    std::string_view name() const override { return "hvac"; }
    core::Result<void> start() override;
    void stop() override;
    std::vector<core::ApiRoute> routes() override;
    std::vector<core::EventVisibility> eventVisibility() override;
    std::optional<core::UiPlugin> uiPlugin() override;

    struct Impl;

  private:
    explicit HvacService(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace sekimori::hvac
