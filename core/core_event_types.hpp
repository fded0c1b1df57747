#pragma once
// The event types core itself records (docs/events.md, sections Daemon, Errors at the edge and
// Telemetry). Domains declare theirs in <domain>/<domain>_event_types.hpp.
#include "core/event_type.hpp"

namespace sekimori::core {

// Daemon life cycle.
inline constexpr EventType kDaemonStarted{"daemon.started"};
inline constexpr EventType kDaemonStopped{"daemon.stopped"};

// A message at the MQTT edge that was refused; also published on sekimori/<site>/error.
inline constexpr EventType kMqttBadPayload{"mqtt.bad_payload"};
inline constexpr EventType kMqttForeignTopic{"mqtt.foreign_topic"};

// State changes of a telemetry point (core/telemetry_point.hpp). Samples are never events.
inline constexpr EventType kTelemetryQualityLost{"telemetry.quality_lost"};
inline constexpr EventType kTelemetryQualityRecovered{"telemetry.quality_recovered"};
inline constexpr EventType kTelemetryOutOfEnvelope{"telemetry.out_of_envelope"};
inline constexpr EventType kTelemetryBackInEnvelope{"telemetry.back_in_envelope"};

}  // namespace sekimori::core
