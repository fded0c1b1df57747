#include "io/tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <string>

namespace sekimori::io {
namespace {

std::optional<TcpNoDelay::Address> toMapped(const sockaddr_storage& storage, std::uint16_t* port) {
    TcpNoDelay::Address address{};
    if (storage.ss_family == AF_INET) {
        sockaddr_in v4{};
        std::memcpy(&v4, &storage, sizeof v4);
        address[10] = 0xff;
        address[11] = 0xff;
        std::memcpy(address.data() + 12, &v4.sin_addr, 4);
        *port = ntohs(v4.sin_port);
        return address;
    }
    if (storage.ss_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, &storage, sizeof v6);
        std::memcpy(address.data(), &v6.sin6_addr, 16);
        *port = ntohs(v6.sin6_port);
        return address;
    }
    return std::nullopt;
}

}  // namespace

std::optional<BrokerEndpoint> parseBrokerUri(std::string_view uri) {
    std::string_view rest;
    for (std::string_view scheme : {"tcp://", "mqtt://"}) {
        if (uri.starts_with(scheme)) {
            rest = uri.substr(scheme.size());
        }
    }
    if (rest.empty()) {
        return std::nullopt;
    }
    BrokerEndpoint endpoint;
    std::string_view portText;
    if (rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return std::nullopt;
        }
        endpoint.host = std::string(rest.substr(1, close - 1));
        portText = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        endpoint.host = std::string(rest.substr(0, colon));
        portText = rest.substr(colon + 1);
    }
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc{} || end != portText.data() + portText.size() || port == 0 ||
        port > 65535 || endpoint.host.empty()) {
        return std::nullopt;
    }
    endpoint.port = static_cast<std::uint16_t>(port);
    return endpoint;
}

core::Result<TcpNoDelay> TcpNoDelay::forBroker(const BrokerEndpoint& broker) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(broker.host.c_str(), nullptr, &hints, &found);
    if (rc != 0) {
        return core::makeError("mqtt.resolve", "cannot resolve broker host '" + broker.host +
                                                   "': " + gai_strerror(rc));
    }
    TcpNoDelay result;
    result.port_ = broker.port;
    for (const addrinfo* info = found; info != nullptr; info = info->ai_next) {
        sockaddr_storage storage{};
        std::memcpy(&storage, info->ai_addr, info->ai_addrlen);
        std::uint16_t ignored = 0;
        if (auto address = toMapped(storage, &ignored)) {
            result.addresses_.push_back(*address);
        }
    }
    freeaddrinfo(found);
    return result;
}

bool TcpNoDelay::isBroker(const sockaddr_storage& peer) const {
    std::uint16_t port = 0;
    const auto address = toMapped(peer, &port);
    if (!address || port != port_) {
        return false;
    }
    for (const auto& candidate : addresses_) {
        if (candidate == *address) {
            return true;
        }
    }
    return false;
}

int TcpNoDelay::applyToProcessSockets() const {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return 0;
    }
    const int dirFd = dirfd(dir);
    int count = 0;
    while (const dirent* entry = readdir(dir)) {
        int fd = -1;
        const std::string_view name(entry->d_name);
        const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
        if (ec != std::errc{} || end != name.data() + name.size() || fd == dirFd) {
            continue;
        }
        struct stat info {};
        if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) {
            continue;
        }
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0 || !isBroker(peer)) {
            continue;
        }
        int type = 0;
        socklen_t typeLength = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) != 0 || type != SOCK_STREAM) {
            continue;
        }
        const int on = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) {
            ++count;
        }
    }
    closedir(dir);
    return count;
}

}  // namespace sekimori::io
