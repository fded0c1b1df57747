// The monitor as a table over time: what each input does to a panel and the broker, and which
// changes a check reports. The clock is a number passed in.
#include "health/health_monitor.hpp"

#include <gtest/gtest.h>

#include "health/health_event_types.hpp"
#include "health/health_events.hpp"

namespace sekimori::health {
namespace {

constexpr core::TimeUs second = 1'000'000;
constexpr core::TimeUs t0 = 1'700'000'000 * second;

// Panels silent after 30 s; the broker's figures are watched only where a test says so.
HealthConfig config(std::chrono::seconds brokerStatsLostAfter = std::chrono::seconds(0)) {
    HealthConfig c;
    c.panelSilentAfter = std::chrono::seconds(30);
    c.brokerStatsLostAfter = brokerStatsLostAfter;
    c.rateWindow = std::chrono::seconds(10);
    c.panels = {"p-a", "p-b"};
    return c;
}

HealthMonitor listening(std::chrono::seconds brokerStatsLostAfter = std::chrono::seconds(0)) {
    HealthMonitor monitor(config(brokerStatsLostAfter), t0);
    monitor.linkBack(t0);
    return monitor;
}

TEST(HealthMonitor, KnowsOnlyTheDeclaredPanels) {
    HealthMonitor monitor = listening();
    EXPECT_EQ(monitor.panelMessage("p-x", t0), std::nullopt);
    monitor.panelStatus("p-x", true, "fw");
    ASSERT_EQ(monitor.panels().size(), 2U);
    EXPECT_EQ(monitor.panels()[0].id, "p-a");
    EXPECT_FALSE(monitor.panels()[0].online.has_value());
    EXPECT_FALSE(monitor.panels()[0].lastSeenUs.has_value());
}

TEST(HealthMonitor, StatusSetsOnlineAndFirmwareAndTheWillKeepsTheFirmware) {
    HealthMonitor monitor = listening();
    monitor.panelStatus("p-a", true, "sekimori-panel 0.1.0");
    EXPECT_EQ(monitor.panels()[0].online, true);
    EXPECT_EQ(monitor.panels()[0].firmware, "sekimori-panel 0.1.0");
    monitor.panelStatus("p-a", false, "");  // the last will carries no firmware
    EXPECT_EQ(monitor.panels()[0].online, false);
    EXPECT_EQ(monitor.panels()[0].firmware, "sekimori-panel 0.1.0");
}

TEST(HealthMonitor, AnOnlinePanelQuietTooLongIsSilentOnceThenBack) {
    HealthMonitor monitor = listening();
    monitor.panelStatus("p-a", true, "fw");
    monitor.panelStatus("p-b", false, "");
    EXPECT_TRUE(monitor.check(t0 + 29 * second).empty());
    const auto silent = monitor.check(t0 + 30 * second);
    ASSERT_EQ(silent.size(), 1U);  // p-b is offline: not silent, just gone
    EXPECT_EQ(silent[0].kind, HealthChangeKind::panelSilent);
    EXPECT_EQ(silent[0].panel, "p-a");
    EXPECT_EQ(silent[0].quietSinceUs, t0);
    EXPECT_TRUE(monitor.panels()[0].silent);
    EXPECT_TRUE(monitor.check(t0 + 90 * second).empty()) << "reported once";

    const auto back = monitor.panelMessage("p-a", t0 + 100 * second);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->kind, HealthChangeKind::panelBack);
    EXPECT_EQ(back->quietSinceUs, t0);
    EXPECT_EQ(back->atUs, t0 + 100 * second);
    EXPECT_FALSE(monitor.panels()[0].silent);
    EXPECT_EQ(monitor.panels()[0].lastSeenUs, t0 + 100 * second);
}

TEST(HealthMonitor, MessagesKeepAPanelFromFallingSilent) {
    HealthMonitor monitor = listening();
    monitor.panelStatus("p-a", true, "fw");
    monitor.panelMessage("p-a", t0 + 20 * second);
    EXPECT_TRUE(monitor.check(t0 + 49 * second).empty());
    EXPECT_EQ(monitor.check(t0 + 50 * second).size(), 1U);
}

TEST(HealthMonitor, GoingOfflineEndsASilenceWithoutBack) {
    HealthMonitor monitor = listening();
    monitor.panelStatus("p-a", true, "fw");
    ASSERT_EQ(monitor.check(t0 + 30 * second).size(), 1U);
    monitor.panelStatus("p-a", false, "");
    EXPECT_FALSE(monitor.panels()[0].silent);
    EXPECT_TRUE(monitor.check(t0 + 200 * second).empty());
}

TEST(HealthMonitor, NothingIsSilentWhileTheDaemonsOwnLinkIsDown) {
    HealthMonitor monitor = listening(std::chrono::seconds(60));
    monitor.panelStatus("p-a", true, "fw");
    monitor.linkLost();
    EXPECT_TRUE(monitor.check(t0 + 500 * second).empty());
    monitor.linkBack(t0 + 500 * second);  // quiet periods start again from here
    EXPECT_TRUE(monitor.check(t0 + 529 * second).empty());
    EXPECT_EQ(monitor.check(t0 + 530 * second).size(), 1U);  // p-a
    const auto lost = monitor.check(t0 + 560 * second);
    ASSERT_EQ(lost.size(), 1U);
    EXPECT_EQ(lost[0].kind, HealthChangeKind::brokerStatsLost);
    EXPECT_EQ(lost[0].quietSinceUs, t0 + 500 * second);
}

TEST(HealthMonitor, BrokerStatsLostAndBack) {
    HealthMonitor monitor = listening(std::chrono::seconds(60));
    EXPECT_EQ(monitor.brokerStat(kSysClientsConnected, "4", t0 + 10 * second), std::nullopt);
    EXPECT_EQ(monitor.broker().lastStatsUs, t0 + 10 * second);
    EXPECT_TRUE(monitor.check(t0 + 69 * second).empty());
    const auto lost = monitor.check(t0 + 70 * second);
    ASSERT_EQ(lost.size(), 1U);
    EXPECT_EQ(lost[0].kind, HealthChangeKind::brokerStatsLost);
    EXPECT_TRUE(monitor.broker().statsLost);
    EXPECT_EQ(monitor.brokerStat("$SYS/broker/heap/current", "1", t0 + 80 * second), std::nullopt);
    EXPECT_TRUE(monitor.broker().statsLost) << "an unknown topic is no sign of the figures";
    const auto back = monitor.brokerStat(kSysUptime, "99 seconds", t0 + 90 * second);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->kind, HealthChangeKind::brokerStatsBack);
    EXPECT_EQ(monitor.broker().stats.uptimeSeconds, 99);
}

TEST(HealthMonitor, ZeroTurnsAWatchOff) {
    HealthConfig c = config();
    c.panelSilentAfter = std::chrono::seconds(0);
    c.brokerStatsLostAfter = std::chrono::seconds(0);
    HealthMonitor monitor(c, t0);
    monitor.linkBack(t0);
    monitor.panelStatus("p-a", true, "fw");
    EXPECT_TRUE(monitor.check(t0 + 100'000 * second).empty());
}

TEST(HealthMonitor, RatesCountLiveMessages) {
    HealthMonitor monitor = listening();
    for (int i = 0; i < 30; ++i) {
        monitor.panelMessage("p-b", t0 + i * second / 3);
    }
    EXPECT_EQ(monitor.panels()[1].messages, 30U);
    EXPECT_DOUBLE_EQ(monitor.panels()[1].rate.perSecond(t0 + 9 * second), 3.0);
}

TEST(HealthEvents, EachChangeIsItsEventType) {
    const core::Event silent =
        toEvent(HealthChange{HealthChangeKind::panelSilent, "p-a", t0, t0 + 45 * second});
    EXPECT_EQ(silent.type, kHealthPanelSilent);
    EXPECT_EQ(silent.timeUs, t0 + 45 * second);
    EXPECT_EQ(silent.source, "health");
    EXPECT_EQ(silent.payload, R"({"panel":"p-a","quiet_s":45})");
    EXPECT_EQ(toEvent(HealthChange{HealthChangeKind::panelBack, "p-a", t0, t0}).type,
              kHealthPanelBack);
    const core::Event lost =
        toEvent(HealthChange{HealthChangeKind::brokerStatsLost, "", t0, t0 + 60 * second});
    EXPECT_EQ(lost.type, kHealthBrokerStatsLost);
    EXPECT_EQ(lost.payload, R"({"quiet_s":60})");
    EXPECT_EQ(toEvent(HealthChange{HealthChangeKind::brokerStatsBack, "", t0, t0}).type,
              kHealthBrokerStatsBack);
}

}  // namespace
}  // namespace sekimori::health
