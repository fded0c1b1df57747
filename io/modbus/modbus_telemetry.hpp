#pragma once
// A device's passes as telemetry (core/telemetry_registry.hpp). Each point of the device is the
// telemetry point "<device>.<point>", declared with the device's poll period; a good pass
// samples every point at the pass's time, a failed one gives every point the same error
// ("timeout: Connection timed out"), so a Modbus time-out is a change of quality, never a value
// and never a transfer. io thread only, like the registry.
#include <map>
#include <string>

#include "core/result.hpp"
#include "core/telemetry_point.hpp"
#include "core/telemetry_registry.hpp"
#include "io/modbus/modbus_poller.hpp"

namespace sekimori::io::modbus {

class ModbusTelemetry {
  public:
    // Declares the device's points with `source` as the events' producer ("power:meter-a");
    // `envelopes` by point id (those without one have none).
    static core::Result<ModbusTelemetry> declare(
        core::TelemetryRegistry& registry, const DeviceSpec& device, std::string source,
        const std::map<std::string, core::TelemetryEnvelope>& envelopes = {});

    // One pass of this device, applied whole.
    core::Result<void> apply(const PassResult& pass);

    static std::string pointName(const DeviceSpec& device, const PointSpec& point);

  private:
    ModbusTelemetry(core::TelemetryRegistry& registry, std::string device,
                    std::vector<std::string> points);

    core::TelemetryRegistry* registry_;
    std::string device_;
    std::vector<std::string> points_;  // telemetry ids, in DeviceSpec::points order
};

}  // namespace sekimori::io::modbus
