#pragma once
// The health of the panels and the broker as a pure model: fed with what arrives (panel
// messages, panel status, $SYS figures, the daemon's own link going down and up) and asked at
// intervals what changed. It does no I/O and reads no clock: every call takes the time, so a
// test drives it as a table with a manual clock.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "health/broker_stats.hpp"
#include "health/health_config.hpp"
#include "health/message_rate.hpp"

namespace sekimori::health {

struct PanelHealth {
    std::string id;
    std::optional<bool> online;  // from its retained status; empty until one arrived
    std::string firmware;
    std::optional<core::TimeUs> lastSeenUs;  // the last message it sent while we listened
    std::uint64_t messages = 0;              // since the daemon started
    MessageRate rate;
    bool silent = false;  // reported as health.panel_silent, not yet back
};

struct BrokerHealth {
    BrokerStats stats;
    std::optional<core::TimeUs> lastStatsUs;
    bool statsLost = false;  // reported as health.broker_stats_lost, not yet back
};

enum class HealthChangeKind { panelSilent, panelBack, brokerStatsLost, brokerStatsBack };

struct HealthChange {
    HealthChangeKind kind;
    std::string panel;          // empty for the broker's changes
    core::TimeUs quietSinceUs;  // the last sign of life before the silence
    core::TimeUs atUs;
};

class HealthMonitor {
  public:
    HealthMonitor(const HealthConfig& config, core::TimeUs nowUs);

    // A message the panel sent (request, event or a live status). Panels the site does not
    // declare are ignored (doors reports them as foreign). Returns panelBack after a silence.
    std::optional<HealthChange> panelMessage(std::string_view panel, core::TimeUs nowUs);
    // Its status (retained or live): online or not, and the firmware it runs. Going offline ends
    // a silence without a panelBack: offline is the panel's state now.
    void panelStatus(std::string_view panel, bool online, std::string firmware);
    // One $SYS message. Returns brokerStatsBack after a loss; nothing for unknown topics.
    std::optional<HealthChange> brokerStat(std::string_view topic, std::string_view payload,
                                           core::TimeUs nowUs);

    // The daemon's own link: while it is down nothing is silent (nothing can be heard); on its
    // return the quiet periods start again from then.
    void linkLost();
    void linkBack(core::TimeUs nowUs);
    bool linkUp() const { return linkUp_; }

    // Silences that began since the last call, in panel order, then the broker's.
    std::vector<HealthChange> check(core::TimeUs nowUs);

    const std::vector<PanelHealth>& panels() const { return panels_; }
    const BrokerHealth& broker() const { return broker_; }
    const HealthConfig& config() const { return config_; }

  private:
    PanelHealth* find(std::string_view panel);
    core::TimeUs quietSince(std::optional<core::TimeUs> lastUs) const;

    HealthConfig config_;
    std::vector<PanelHealth> panels_;
    BrokerHealth broker_;
    bool linkUp_ = false;
    core::TimeUs listeningSinceUs_;
};

}  // namespace sekimori::health
