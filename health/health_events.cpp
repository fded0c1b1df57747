#include "health/health_events.hpp"

#include <nlohmann/json.hpp>

#include "health/health_event_types.hpp"

namespace sekimori::health {
namespace {

core::EventType typeOf(HealthChangeKind kind) {
    switch (kind) {
        case HealthChangeKind::panelSilent:
            return kHealthPanelSilent;
        case HealthChangeKind::panelBack:
            return kHealthPanelBack;
        case HealthChangeKind::brokerStatsLost:
            return kHealthBrokerStatsLost;
        case HealthChangeKind::brokerStatsBack:
            return kHealthBrokerStatsBack;
    }
    return kHealthBrokerStatsLost;
}

}  // namespace

core::Event toEvent(const HealthChange& change) {
    nlohmann::json payload = nlohmann::json::object();
    if (!change.panel.empty()) {
        payload["panel"] = change.panel;
    }
    payload["quiet_s"] = (change.atUs - change.quietSinceUs) / 1'000'000;
    return core::Event{change.atUs, typeOf(change.kind), "health", "", payload.dump()};
}

}  // namespace sekimori::health
