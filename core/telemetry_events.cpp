#include "core/telemetry_events.hpp"

#include <nlohmann/json.hpp>

#include "core/core_event_types.hpp"

namespace sekimori::core {
namespace {

constexpr TimeUs kUsPerMs = 1000;

EventType typeOf(TelemetryChangeKind kind) {
    switch (kind) {
        case TelemetryChangeKind::qualityLost:
            return kTelemetryQualityLost;
        case TelemetryChangeKind::qualityRecovered:
            return kTelemetryQualityRecovered;
        case TelemetryChangeKind::outOfEnvelope:
            return kTelemetryOutOfEnvelope;
        case TelemetryChangeKind::backInEnvelope:
            return kTelemetryBackInEnvelope;
    }
    return kTelemetryQualityLost;
}

void addEnvelope(nlohmann::json& body, const TelemetryEnvelope& envelope) {
    if (envelope.low) {
        body["low"] = *envelope.low;
    }
    if (envelope.high) {
        body["high"] = *envelope.high;
    }
}

}  // namespace

Event telemetryEvent(const TelemetryPoint& point, const TelemetryChange& change) {
    const TelemetryPointSpec& spec = point.spec();
    nlohmann::json body{{"point", spec.id},
                        {"unit", spec.unit},
                        {"quality", std::string(toString(change.quality))},
                        {"errors", point.errorCount()}};
    if (change.previous) {
        body["previous"] = std::string(toString(*change.previous));
    }
    if (change.value) {
        body["value"] = *change.value;
    }
    switch (change.kind) {
        case TelemetryChangeKind::qualityLost:
            body["reason"] = change.reason;
            if (change.ageUs) {
                body["age_ms"] = *change.ageUs / kUsPerMs;
            }
            if (change.quality == TelemetryQuality::failed) {
                body["last_error"] = point.lastError();
            }
            break;
        case TelemetryChangeKind::qualityRecovered:
            body["down_ms"] = change.durationUs.value_or(0) / kUsPerMs;
            break;
        case TelemetryChangeKind::outOfEnvelope:
            body["bound"] = change.bound;
            addEnvelope(body, spec.envelope);
            break;
        case TelemetryChangeKind::backInEnvelope:
            body["out_ms"] = change.durationUs.value_or(0) / kUsPerMs;
            addEnvelope(body, spec.envelope);
            break;
    }
    return Event{change.timeUs, typeOf(change.kind),
                 spec.source.empty() ? "telemetry" : spec.source, "", body.dump()};
}

}  // namespace sekimori::core
