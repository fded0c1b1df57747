#pragma once
// A Modbus TCP device on 127.0.0.1 written from the protocol (MBAP + functions 1-4), not from
// libmodbus, so the poller's libmodbus client meets a peer that can misbehave on demand:
// answer, stay silent, answer late, answer garbage, answer as another unit, or answer with an
// exception.
// One connection at a time, on its own thread. Header-only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sekimori::test {

// A loopback port nothing listens on now (bound, read, closed): refused until someone binds it.
inline std::uint16_t unusedLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

class LoopbackModbusDevice {
  public:
    enum class Mode { answer, silent, slow, garbage, wrongUnit, exception };

    LoopbackModbusDevice() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_, 4) != 0) {
            throw std::runtime_error("loopback modbus device: bind/listen failed");
        }
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        holding.fill(0);
        input.fill(0);
        coils.fill(0);
        thread_ = std::thread([this] { serve(); });
    }
    ~LoopbackModbusDevice() {
        stop_ = true;
        thread_.join();
        ::close(listener_);
    }
    LoopbackModbusDevice(const LoopbackModbusDevice&) = delete;
    LoopbackModbusDevice& operator=(const LoopbackModbusDevice&) = delete;

    std::uint16_t port() const { return port_; }
    void setMode(Mode mode, std::uint8_t exceptionCode = 2) {
        mode_ = mode;
        exceptionCode_ = exceptionCode;
    }
    void setSlowMs(int ms) { slowMs_ = ms; }  // the delay of Mode::slow
    int requests() const { return requests_; }
    int connections() const { return connections_; }

    // Set before the poller reads them, or under lock().
    std::array<std::uint16_t, 256> holding{};
    std::array<std::uint16_t, 256> input{};
    std::array<std::uint8_t, 256> coils{};
    std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }

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
            std::vector<std::uint8_t> in;
            while (!stop_) {
                if (!readable(fd)) {
                    continue;
                }
                std::array<std::uint8_t, 512> buf{};
                const ssize_t n = ::read(fd, buf.data(), buf.size());
                if (n <= 0) {
                    break;
                }
                in.insert(in.end(), buf.begin(), buf.begin() + n);
                while (in.size() >= 12) {
                    std::vector<std::uint8_t> request(in.begin(), in.begin() + 12);
                    in.erase(in.begin(), in.begin() + 12);
                    ++requests_;
                    const auto reply = answer(request);
                    if (!reply.empty() && ::write(fd, reply.data(), reply.size()) < 0) {
                        break;
                    }
                }
            }
            ::close(fd);
        }
    }

    std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& q) {
        const Mode mode = mode_;
        if (mode == Mode::silent) {
            return {};
        }
        if (mode == Mode::slow) {
            std::this_thread::sleep_for(std::chrono::milliseconds(slowMs_.load()));
        }
        const std::uint8_t unit = mode == Mode::wrongUnit ? q[6] + 1 : q[6];
        std::uint8_t fc = q[7];
        const int start = (q[8] << 8) | q[9];
        const int count = (q[10] << 8) | q[11];
        std::vector<std::uint8_t> pdu;
        if (mode == Mode::exception) {
            pdu = {static_cast<std::uint8_t>(fc | 0x80), exceptionCode_};
        } else {
            if (mode == Mode::garbage) {
                fc = static_cast<std::uint8_t>(fc == 3 ? 4 : 3);  // another function's reply
            }
            pdu.push_back(fc);
            auto guard = lock();
            if (fc == 1 || fc == 2) {
                std::vector<std::uint8_t> bytes(static_cast<std::size_t>((count + 7) / 8), 0);
                for (int i = 0; i < count; ++i) {
                    if (coils[static_cast<std::size_t>(start + i) % coils.size()] != 0) {
                        bytes[static_cast<std::size_t>(i / 8)] |=
                            static_cast<std::uint8_t>(1U << (i % 8));
                    }
                }
                pdu.push_back(static_cast<std::uint8_t>(bytes.size()));
                pdu.insert(pdu.end(), bytes.begin(), bytes.end());
            } else {
                const auto& table = fc == 3 ? holding : input;
                pdu.push_back(static_cast<std::uint8_t>(count * 2));
                for (int i = 0; i < count; ++i) {
                    const std::uint16_t v =
                        table[static_cast<std::size_t>(start + i) % table.size()];
                    pdu.push_back(static_cast<std::uint8_t>(v >> 8));
                    pdu.push_back(static_cast<std::uint8_t>(v & 0xFF));
                }
            }
        }
        const auto length = static_cast<std::uint16_t>(pdu.size() + 1);
        std::vector<std::uint8_t> out{q[0],
                                      q[1],
                                      0,
                                      0,
                                      static_cast<std::uint8_t>(length >> 8),
                                      static_cast<std::uint8_t>(length & 0xFF),
                                      unit};
        out.insert(out.end(), pdu.begin(), pdu.end());
        return out;
    }

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<Mode> mode_{Mode::answer};
    std::atomic<std::uint8_t> exceptionCode_{2};
    std::atomic<int> slowMs_{400};
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    std::atomic<int> connections_{0};
    std::mutex mutex_;
    std::thread thread_;
};

}  // namespace sekimori::test
