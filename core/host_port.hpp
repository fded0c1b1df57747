#pragma once
// The one parser for "host:port" and "[v6]:port" (console_listen, MQTT URIs, NUT servers, and
// offered to io for its endpoints), so every place accepts exactly the same spellings.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekimori::core {

struct HostPort {
    std::string host;  // brackets of an IPv6 literal removed
    std::uint16_t port = 0;
};

// A decimal port 1..65535, nothing else (no sign, no spaces).
std::optional<std::uint16_t> parsePort(std::string_view text);

// "host:port" or "[v6]:port" with a non-empty host and a port 1..65535. A bare IPv6 address
// without brackets is refused: its last group would read as a port.
std::optional<HostPort> parseHostPort(std::string_view text);

}  // namespace sekimori::core
