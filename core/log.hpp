#pragma once
// Log levels mean: error = someone must act; warning = degraded but working;
// info = a state change an operator would want in the timeline; debug = for developers.
// Never log a PIN, a template, a password or a key.
#include <string_view>

namespace sekimori::core {

enum class LogLevel { debug = 0, info = 1, warning = 2, error = 3 };

void setLogLevel(LogLevel level);
LogLevel logLevel();
void logLine(LogLevel level, std::string_view component, std::string_view message);

inline void logDebug(std::string_view c, std::string_view m) {
    logLine(LogLevel::debug, c, m);
}
inline void logInfo(std::string_view c, std::string_view m) {
    logLine(LogLevel::info, c, m);
}
inline void logWarning(std::string_view c, std::string_view m) {
    logLine(LogLevel::warning, c, m);
}
inline void logError(std::string_view c, std::string_view m) {
    logLine(LogLevel::error, c, m);
}

}  // namespace sekimori::core
