#include "drills/plant_sim_link.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sekimori::drills {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxAnswer = 64 * 1024;

class Socket {
  public:
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

int msLeft(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline: true when ready.
bool waitFor(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, msLeft(deadline));
        if (n > 0) {
            return true;
        }
        if (n == 0 || errno != EINTR) {
            return false;
        }
    }
}

std::string where(const core::HostPort& at) {
    return at.host + ":" + std::to_string(at.port);
}

}  // namespace

core::Result<nlohmann::json> sendToSimulator(const core::HostPort& simulator,
                                             const nlohmann::json& command,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(simulator.port);
    if (::getaddrinfo(simulator.host.c_str(), port.c_str(), &hints, &found) != 0 || !found) {
        return core::makeError("drills.sim_connect", "cannot resolve " + where(simulator));
    }
    Socket sock(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const int rc = sock.fd() < 0 ? -1 : ::connect(sock.fd(), found->ai_addr, found->ai_addrlen);
    const int connectErrno = errno;
    ::freeaddrinfo(found);
    if (sock.fd() < 0 || (rc != 0 && connectErrno != EINPROGRESS)) {
        return core::makeError("drills.sim_connect",
                               "the plant simulator at " + where(simulator) +
                                   " does not answer: " + std::strerror(connectErrno));
    }
    if (rc != 0) {
        int error = 0;
        socklen_t len = sizeof error;
        if (!waitFor(sock.fd(), POLLOUT, deadline) ||
            ::getsockopt(sock.fd(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
            return core::makeError(
                "drills.sim_connect",
                "the plant simulator at " + where(simulator) + " does not answer" +
                    (error != 0 ? ": " + std::string(std::strerror(error)) : ""));
        }
    }
    const std::string line = command.dump() + "\n";
    std::size_t sent = 0;
    while (sent < line.size()) {
        if (!waitFor(sock.fd(), POLLOUT, deadline)) {
            return core::makeError("drills.sim_timeout", "the plant simulator at " +
                                                             where(simulator) + " took no command");
        }
        const ssize_t n = ::send(sock.fd(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return core::makeError("drills.sim_connect", "sending to the plant simulator: " +
                                                             std::string(std::strerror(errno)));
        }
        sent += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    std::string answer;
    while (answer.find('\n') == std::string::npos) {
        if (answer.size() > kMaxAnswer) {
            return core::makeError("drills.sim_answer", "the plant simulator's answer is too long");
        }
        if (!waitFor(sock.fd(), POLLIN, deadline)) {
            return core::makeError("drills.sim_timeout",
                                   "the plant simulator at " + where(simulator) +
                                       " did not answer within " + std::to_string(timeout.count()) +
                                       " ms");
        }
        char buffer[4096];
        const ssize_t n = ::recv(sock.fd(), buffer, sizeof buffer, 0);
        if (n == 0) {
            return core::makeError("drills.sim_answer", "the plant simulator closed the line");
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return core::makeError("drills.sim_connect", "reading the plant simulator: " +
                                                             std::string(std::strerror(errno)));
        }
        answer.append(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    answer.resize(answer.find('\n'));
    auto parsed = nlohmann::json::parse(answer, nullptr, false);
    if (!parsed.is_object()) {
        return core::makeError("drills.sim_answer", "the plant simulator answered no JSON object");
    }
    if (parsed.contains("error")) {
        return core::makeError("drills.sim_answer", "the plant simulator refused the command: " +
                                                        parsed["error"].dump());
    }
    return parsed;
}

}  // namespace sekimori::drills
