#include "health/health_json.hpp"

namespace sekimori::health {
namespace {

template <class T>
nlohmann::json orNull(const std::optional<T>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json panelJson(const PanelHealth& p, core::TimeUs nowUs) {
    return {{"id", p.id},
            {"online", orNull(p.online)},
            {"firmware", p.firmware},
            {"last_seen_us", orNull(p.lastSeenUs)},
            {"silent", p.silent},
            {"messages", p.messages},
            {"messages_per_s", p.rate.perSecond(nowUs)}};
}

}  // namespace

nlohmann::json healthJson(const HealthMonitor& monitor, bool linkConnected, core::TimeUs nowUs,
                          int utcOffsetMinutes) {
    nlohmann::json panels = nlohmann::json::array();
    for (const auto& p : monitor.panels()) {
        panels.push_back(panelJson(p, nowUs));
    }
    const BrokerHealth& b = monitor.broker();
    const BrokerStats& s = b.stats;
    nlohmann::json broker{{"connected", linkConnected},
                          {"stats_lost", b.statsLost},
                          {"last_stats_us", orNull(b.lastStatsUs)},
                          {"clients_connected", orNull(s.clientsConnected)},
                          {"messages_received_per_s", orNull(s.receivedPerSecond)},
                          {"messages_sent_per_s", orNull(s.sentPerSecond)},
                          {"uptime_s", orNull(s.uptimeSeconds)},
                          {"version", s.version}};
    return {{"now_us", nowUs},
            {"utc_offset_minutes", utcOffsetMinutes},
            {"rate_window_s", monitor.config().rateWindow.count()},
            {"panels", std::move(panels)},
            {"broker", std::move(broker)}};
}

}  // namespace sekimori::health
