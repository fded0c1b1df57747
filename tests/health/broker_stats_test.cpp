#include "health/broker_stats.hpp"

#include <gtest/gtest.h>

namespace sekimori::health {
namespace {

TEST(BrokerStats, ReadsWhatMosquittoPublishes) {
    BrokerStats stats;
    EXPECT_TRUE(applyBrokerStat(stats, kSysClientsConnected, "7"));
    EXPECT_TRUE(applyBrokerStat(stats, kSysReceivedPerMinute, "120.50"));
    EXPECT_TRUE(applyBrokerStat(stats, kSysSentPerMinute, "60"));
    EXPECT_TRUE(applyBrokerStat(stats, kSysUptime, "3600 seconds"));
    EXPECT_TRUE(applyBrokerStat(stats, kSysVersion, "mosquitto version 2.0.11"));
    EXPECT_EQ(stats.clientsConnected, 7);
    EXPECT_DOUBLE_EQ(*stats.receivedPerSecond, 120.5 / 60.0);
    EXPECT_DOUBLE_EQ(*stats.sentPerSecond, 1.0);
    EXPECT_EQ(stats.uptimeSeconds, 3600);
    EXPECT_EQ(stats.version, "mosquitto version 2.0.11");
}

TEST(BrokerStats, RefusesWhatItCannotRead) {
    BrokerStats stats;
    stats.clientsConnected = 3;
    EXPECT_FALSE(applyBrokerStat(stats, kSysClientsConnected, "many"));
    EXPECT_FALSE(applyBrokerStat(stats, kSysClientsConnected, "-1"));
    EXPECT_FALSE(applyBrokerStat(stats, kSysReceivedPerMinute, "nan"));
    EXPECT_FALSE(applyBrokerStat(stats, kSysUptime, "3600"));
    EXPECT_FALSE(applyBrokerStat(stats, kSysVersion, ""));
    EXPECT_FALSE(applyBrokerStat(stats, "$SYS/broker/heap/current", "1000"));
    EXPECT_EQ(stats.clientsConnected, 3);  // unchanged
    EXPECT_FALSE(stats.receivedPerSecond.has_value());
    EXPECT_FALSE(stats.uptimeSeconds.has_value());
}

TEST(BrokerStats, OneFilterPerFigure) {
    EXPECT_EQ(brokerStatTopics().size(), 5U);
}

}  // namespace
}  // namespace sekimori::health
