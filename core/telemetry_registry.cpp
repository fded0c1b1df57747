#include "core/telemetry_registry.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/telemetry_events.hpp"

namespace sekimori::core {

TelemetryRegistry::TelemetryRegistry(EventRecorder& recorder, const Clock& clock,
                                     TelemetryStore* store)
    : recorder_(recorder), clock_(clock), store_(store) {}

Result<void> TelemetryRegistry::declare(TelemetryPointSpec spec) {
    if (auto valid = validateTelemetryPointSpec(spec); !valid) {
        return valid;
    }
    if (points_.contains(spec.id)) {
        return makeError("telemetry.duplicate_point",
                         "telemetry point " + spec.id + " is declared twice");
    }
    std::string id = spec.id;
    points_.emplace(std::move(id), TelemetryPoint(std::move(spec), clock_.nowUs()));
    return {};
}

TelemetryPoint* TelemetryRegistry::lookup(std::string_view point) {
    auto it = points_.find(point);
    return it == points_.end() ? nullptr : &it->second;
}

const TelemetryPoint* TelemetryRegistry::find(std::string_view point) const {
    auto it = points_.find(point);
    return it == points_.end() ? nullptr : &it->second;
}

Result<void> TelemetryRegistry::sample(std::string_view point, double value, TimeUs timeUs) {
    TelemetryPoint* p = lookup(point);
    if (p == nullptr) {
        return makeError("telemetry.unknown_point",
                         "telemetry point " + std::string(point) + " was never declared");
    }
    const TimeUs at = timeUs == 0 ? clock_.nowUs() : timeUs;
    recordChanges(*p, p->sample(value, at));
    if (store_ != nullptr && std::isfinite(value)) {
        store_->append(TelemetrySample{p->spec().id, p->spec().unit, at, value});
    }
    return {};
}

Result<void> TelemetryRegistry::error(std::string_view point, std::string message, TimeUs timeUs) {
    TelemetryPoint* p = lookup(point);
    if (p == nullptr) {
        return makeError("telemetry.unknown_point",
                         "telemetry point " + std::string(point) + " was never declared");
    }
    recordChanges(*p, p->error(std::move(message), timeUs == 0 ? clock_.nowUs() : timeUs));
    return {};
}

void TelemetryRegistry::tick() {
    const TimeUs now = clock_.nowUs();
    for (auto& [id, point] : points_) {
        recordChanges(point, point.tick(now));
    }
}

TimeUs TelemetryRegistry::nextDeadlineUs() const {
    TimeUs next = TelemetryPoint::kNoDeadline;
    for (const auto& [id, point] : points_) {
        next = std::min(next, point.nextDeadlineUs());
    }
    return next;
}

std::vector<TelemetryReading> TelemetryRegistry::readings() const {
    std::vector<TelemetryReading> out;
    out.reserve(points_.size());
    for (const auto& [id, p] : points_) {
        out.push_back(TelemetryReading{id, p.spec().unit, p.value(), p.valueTimeUs(), p.quality(),
                                       p.errorCount(), p.outOfEnvelope()});
    }
    return out;
}

void TelemetryRegistry::recordChanges(const TelemetryPoint& point,
                                      const std::vector<TelemetryChange>& changes) {
    for (const auto& change : changes) {
        recorder_.record(telemetryEvent(point, change));
    }
}

}  // namespace sekimori::core
