#include "core/host_port.hpp"

#include <charconv>
#include <system_error>

namespace sekimori::core {

std::optional<std::uint16_t> parsePort(std::string_view text) {
    constexpr unsigned maxPort = 65535;
    unsigned value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > maxPort) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

std::optional<HostPort> parseHostPort(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') {
            return std::nullopt;
        }
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos ||
               host.find(']') != std::string_view::npos) {
        return std::nullopt;
    }
    auto port = parsePort(text.substr(colon + 1));
    if (!port) {
        return std::nullopt;
    }
    return HostPort{std::string(host), *port};
}

}  // namespace sekimori::core
