#include "io/modbus/modbus_telemetry.hpp"

#include <chrono>

namespace sekimori::io::modbus {

ModbusTelemetry::ModbusTelemetry(core::TelemetryRegistry& registry, std::string device,
                                 std::vector<std::string> points)
    : registry_(&registry), device_(std::move(device)), points_(std::move(points)) {}

std::string ModbusTelemetry::pointName(const DeviceSpec& device, const PointSpec& point) {
    std::string name = device.id;
    name += '.';
    name += point.id;
    return name;
}

core::Result<ModbusTelemetry> ModbusTelemetry::declare(
    core::TelemetryRegistry& registry, const DeviceSpec& device, std::string source,
    const std::map<std::string, core::TelemetryEnvelope>& envelopes) {
    std::vector<std::string> names;
    for (const auto& point : device.points) {
        core::TelemetryPointSpec spec;
        spec.id = pointName(device, point);
        spec.unit = point.unit;
        spec.source = source;
        spec.pollIntervalUs =
            std::chrono::duration_cast<std::chrono::microseconds>(device.poll).count();
        if (auto envelope = envelopes.find(point.id); envelope != envelopes.end()) {
            spec.envelope = envelope->second;
        }
        if (auto r = registry.declare(spec); !r) {
            return r.error();
        }
        names.push_back(spec.id);
    }
    return ModbusTelemetry(registry, device.id, std::move(names));
}

core::Result<void> ModbusTelemetry::apply(const PassResult& pass) {
    if (pass.device != device_) {
        return core::makeError("modbus.wrong_device",
                               "a pass of " + pass.device + " applied to " + device_);
    }
    if (pass.ok() && pass.values.size() != points_.size()) {
        return core::makeError("modbus.bad_pass", "a pass of " + device_ + " has " +
                                                      std::to_string(pass.values.size()) +
                                                      " values for " +
                                                      std::to_string(points_.size()) + " points");
    }
    std::string message;
    if (!pass.ok()) {
        message = toString(pass.error);
        message += ": ";
        message += pass.message;
    }
    for (std::size_t i = 0; i < points_.size(); ++i) {
        auto r = pass.ok() ? registry_->sample(points_[i], pass.values[i], pass.timeUs)
                           : registry_->error(points_[i], message, pass.timeUs);
        if (!r) {
            return r.error();
        }
    }
    return {};
}

}  // namespace sekimori::io::modbus
