#pragma once
// Paho C 1.3.12 has no option for TCP_NODELAY, and with Nagle on a QoS 1 request/reply waits
// ~40 ms per hop for delayed ACKs (PLATFORM.md). This finds the process's sockets whose peer is
// the broker and turns Nagle off on them; the link calls it after every (re)connect.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sekimori::io {

struct BrokerEndpoint {
    std::string host;
    std::uint16_t port = 0;
};

// Splits "tcp://host:port" or "mqtt://host:port" (IPv6 in brackets); nullopt for anything else,
// including TLS URIs (ssl://), whose sockets this does not touch.
std::optional<BrokerEndpoint> parseBrokerUri(std::string_view uri);

class TcpNoDelay {
  public:
    // An IPv4 or IPv6 address in network byte order (IPv4 as a v4-mapped IPv6 address, so
    // either socket family compares equal).
    using Address = std::array<unsigned char, 16>;

    // Resolves the host once, here (it may do a DNS lookup: construct it off the io thread or
    // with a numeric address).
    static core::Result<TcpNoDelay> forBroker(const BrokerEndpoint& broker);

    // Sets TCP_NODELAY on every open TCP socket of this process connected to the broker;
    // returns how many sockets it set. Cheap: one pass over /proc/self/fd.
    int applyToProcessSockets() const;

  private:
    bool isBroker(const sockaddr_storage& peer) const;

    std::uint16_t port_ = 0;
    std::vector<Address> addresses_;
};

}  // namespace sekimori::io
