#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sekimori::core {
namespace {
std::atomic<int> gLevel{static_cast<int>(LogLevel::info)};
std::mutex gWriteMutex;

const char* levelName(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warning:
            return "warning";
        case LogLevel::error:
            return "error";
    }
    return "?";
}
}  // namespace

void setLogLevel(LogLevel level) {
    gLevel.store(static_cast<int>(level));
}
LogLevel logLevel() {
    return static_cast<LogLevel>(gLevel.load());
}

void logLine(LogLevel level, std::string_view component, std::string_view message) {
    if (static_cast<int>(level) < gLevel.load()) {
        return;
    }
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::lock_guard lock(gWriteMutex);
    std::fprintf(stderr, "%s.%03dZ %-7s %.*s: %.*s\n", stamp, static_cast<int>(ms),
                 levelName(level), static_cast<int>(component.size()), component.data(),
                 static_cast<int>(message.size()), message.data());
}

}  // namespace sekimori::core
