#include "health/health_monitor.hpp"

#include <algorithm>

namespace sekimori::health {
namespace {

constexpr core::TimeUs microseconds(std::chrono::seconds s) {
    return static_cast<core::TimeUs>(s.count()) * 1'000'000;
}

}  // namespace

HealthMonitor::HealthMonitor(const HealthConfig& config, core::TimeUs nowUs)
    : config_(config), listeningSinceUs_(nowUs) {
    const int window = static_cast<int>(config_.rateWindow.count());
    for (const auto& id : config_.panels) {
        PanelHealth panel{id, std::nullopt, "", std::nullopt, 0, MessageRate(window), false};
        panels_.push_back(std::move(panel));
    }
}

PanelHealth* HealthMonitor::find(std::string_view panel) {
    auto it = std::find_if(panels_.begin(), panels_.end(),
                           [&](const PanelHealth& p) { return p.id == panel; });
    return it == panels_.end() ? nullptr : &*it;
}

core::TimeUs HealthMonitor::quietSince(std::optional<core::TimeUs> lastUs) const {
    return std::max(lastUs.value_or(listeningSinceUs_), listeningSinceUs_);
}

std::optional<HealthChange> HealthMonitor::panelMessage(std::string_view panel,
                                                        core::TimeUs nowUs) {
    PanelHealth* p = find(panel);
    if (p == nullptr) {
        return std::nullopt;
    }
    std::optional<HealthChange> change;
    if (p->silent) {
        p->silent = false;
        change = HealthChange{HealthChangeKind::panelBack, p->id, quietSince(p->lastSeenUs), nowUs};
    }
    p->lastSeenUs = nowUs;
    ++p->messages;
    p->rate.add(nowUs);
    return change;
}

void HealthMonitor::panelStatus(std::string_view panel, bool online, std::string firmware) {
    PanelHealth* p = find(panel);
    if (p == nullptr) {
        return;
    }
    p->online = online;
    if (!firmware.empty() || online) {
        p->firmware = std::move(firmware);  // the last will carries none: keep the known one
    }
    if (!online) {
        p->silent = false;
    }
}

std::optional<HealthChange> HealthMonitor::brokerStat(std::string_view topic,
                                                      std::string_view payload,
                                                      core::TimeUs nowUs) {
    if (!applyBrokerStat(broker_.stats, topic, payload)) {
        return std::nullopt;
    }
    std::optional<HealthChange> change;
    if (broker_.statsLost) {
        broker_.statsLost = false;
        change = HealthChange{HealthChangeKind::brokerStatsBack, "",
                              quietSince(broker_.lastStatsUs), nowUs};
    }
    broker_.lastStatsUs = nowUs;
    return change;
}

void HealthMonitor::linkLost() {
    linkUp_ = false;
}

void HealthMonitor::linkBack(core::TimeUs nowUs) {
    linkUp_ = true;
    listeningSinceUs_ = nowUs;
}

std::vector<HealthChange> HealthMonitor::check(core::TimeUs nowUs) {
    std::vector<HealthChange> changes;
    if (!linkUp_) {
        return changes;
    }
    if (config_.panelSilentAfter.count() > 0) {
        const core::TimeUs limit = microseconds(config_.panelSilentAfter);
        for (auto& p : panels_) {
            const core::TimeUs since = quietSince(p.lastSeenUs);
            if (p.online == true && !p.silent && nowUs - since >= limit) {
                p.silent = true;
                changes.push_back(HealthChange{HealthChangeKind::panelSilent, p.id, since, nowUs});
            }
        }
    }
    if (config_.brokerStatsLostAfter.count() > 0 && !broker_.statsLost) {
        const core::TimeUs since = quietSince(broker_.lastStatsUs);
        if (nowUs - since >= microseconds(config_.brokerStatsLostAfter)) {
            broker_.statsLost = true;
            changes.push_back(HealthChange{HealthChangeKind::brokerStatsLost, "", since, nowUs});
        }
    }
    return changes;
}

}  // namespace sekimori::health
