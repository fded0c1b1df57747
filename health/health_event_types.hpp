#pragma once
// The event types the health domain records (docs/events.md, section Health).
#include "core/event_type.hpp"

namespace sekimori::health {

// A panel whose retained status says online sent nothing for [health] panel_silent_after_s.
inline constexpr core::EventType kHealthPanelSilent{"health.panel_silent"};
// A silent panel was heard from again.
inline constexpr core::EventType kHealthPanelBack{"health.panel_back"};
// The broker's $SYS figures stopped arriving for [health] broker_stats_lost_after_s.
inline constexpr core::EventType kHealthBrokerStatsLost{"health.broker_stats_lost"};
// They arrive again.
inline constexpr core::EventType kHealthBrokerStatsBack{"health.broker_stats_back"};

}  // namespace sekimori::health
