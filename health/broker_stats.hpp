#pragma once
// The broker's own figures, from the $SYS topics mosquitto publishes every sys_interval
// (mosquitto(8), "BROKER STATUS"). The daemon's account reads them (scripts/broker's ACL).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace sekimori::health {

inline constexpr std::string_view kSysClientsConnected = "$SYS/broker/clients/connected";
// Messages per minute, averaged over the last minute.
inline constexpr std::string_view kSysReceivedPerMinute = "$SYS/broker/load/messages/received/1min";
inline constexpr std::string_view kSysSentPerMinute = "$SYS/broker/load/messages/sent/1min";
inline constexpr std::string_view kSysUptime = "$SYS/broker/uptime";  // "1234 seconds"
inline constexpr std::string_view kSysVersion = "$SYS/broker/version";

// The topics health subscribes to, one filter each.
std::vector<std::string> brokerStatTopics();

struct BrokerStats {
    std::optional<std::int64_t> clientsConnected;
    std::optional<double> receivedPerSecond;
    std::optional<double> sentPerSecond;
    std::optional<std::int64_t> uptimeSeconds;
    std::string version;
};

// Applies one $SYS message; false (and nothing changed) for another topic or a payload that is
// not the number (or "<n> seconds") the topic carries.
bool applyBrokerStat(BrokerStats& stats, std::string_view topic, std::string_view payload);

}  // namespace sekimori::health
