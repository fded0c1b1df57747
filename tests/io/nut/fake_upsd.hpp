#pragma once
// A scripted upsd on 127.0.0.1 for what the real one never does on demand: stay silent, answer
// garbage, an endless line. Each request line gets `reply(line)` written back as is (empty:
// silence). One connection at a time, on its own thread. Header-only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sekimori::test {

class FakeUpsd {
  public:
    using Reply = std::function<std::string(const std::string& line)>;

    explicit FakeUpsd(Reply reply) : reply_(std::move(reply)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_, 4) != 0) {
            throw std::runtime_error("fake upsd: bind/listen failed");
        }
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeUpsd() {
        stop_ = true;
        thread_.join();
        ::close(listener_);
    }
    FakeUpsd(const FakeUpsd&) = delete;
    FakeUpsd& operator=(const FakeUpsd&) = delete;

    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }

  private:
    bool readable(int fd) const {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, 20) > 0;
    }

    void serve() {
        while (!stop_) {
            if (!readable(listener_)) {
                continue;
            }
            const int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) {
                continue;
            }
            ++connections_;
            std::string in;
            while (!stop_) {
                if (!readable(fd)) {
                    continue;
                }
                char buf[512];
                const ssize_t n = ::read(fd, buf, sizeof buf);
                if (n <= 0) {
                    break;
                }
                in.append(buf, static_cast<std::size_t>(n));
                for (auto end = in.find('\n'); end != std::string::npos; end = in.find('\n')) {
                    const std::string line = in.substr(0, end);
                    in.erase(0, end + 1);
                    {
                        std::lock_guard lock(mutex_);
                        lines_.push_back(line);
                    }
                    const std::string out = reply_(line);
                    if (!out.empty() && ::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) {
                        break;
                    }
                }
            }
            ::close(fd);
        }
    }

    Reply reply_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
    std::thread thread_;
};

}  // namespace sekimori::test
