#include "health/broker_stats.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace sekimori::health {
namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<std::int64_t> wholeNumber(std::string_view text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < 0) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> realNumber(std::string_view text) {
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::vector<std::string> brokerStatTopics() {
    return {std::string(kSysClientsConnected), std::string(kSysReceivedPerMinute),
            std::string(kSysSentPerMinute), std::string(kSysUptime), std::string(kSysVersion)};
}

bool applyBrokerStat(BrokerStats& stats, std::string_view topic, std::string_view payload) {
    const std::string_view text = trimmed(payload);
    if (topic == kSysClientsConnected) {
        auto n = wholeNumber(text);
        if (n) {
            stats.clientsConnected = n;
        }
        return n.has_value();
    }
    if (topic == kSysReceivedPerMinute || topic == kSysSentPerMinute) {
        auto perMinute = realNumber(text);
        if (perMinute) {
            auto& field =
                topic == kSysReceivedPerMinute ? stats.receivedPerSecond : stats.sentPerSecond;
            field = *perMinute / 60.0;
        }
        return perMinute.has_value();
    }
    if (topic == kSysUptime) {
        constexpr std::string_view unit = " seconds";
        if (text.size() <= unit.size() || text.substr(text.size() - unit.size()) != unit) {
            return false;
        }
        auto n = wholeNumber(text.substr(0, text.size() - unit.size()));
        if (n) {
            stats.uptimeSeconds = n;
        }
        return n.has_value();
    }
    if (topic == kSysVersion) {
        constexpr std::size_t maxVersion = 128;
        if (text.empty() || text.size() > maxVersion) {
            return false;
        }
        stats.version = std::string(text);
        return true;
    }
    return false;
}

}  // namespace sekimori::health
