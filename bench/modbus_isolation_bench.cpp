// Issue 17's isolation bar (bench/README.md): 200 Modbus TCP devices on loopback, 10 of them
// dead or slow (5 never answer, 5 answer after 400 ms), each polled by its own ModbusPoller
// every second with a 500 ms time-out. No live device's pass may start more than 100 ms after
// its planned time. Then the engine's cost per read beside a bare libmodbus read loop against
// the same device, in the same run (at most 1.2×).
//   modbus_isolation_bench [--seconds N] [--smoke]   (exit 1 when a bar is missed)
#include <modbus.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "io/modbus/modbus_poller.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/io/modbus/loopback_device.hpp"

namespace modbus = sekimori::io::modbus;
using namespace std::chrono_literals;
using Mode = sekimori::test::LoopbackModbusDevice::Mode;

namespace {

modbus::DeviceSpec spec(std::string id, std::uint16_t port, std::chrono::milliseconds poll,
                        std::chrono::milliseconds timeout) {
    modbus::DeviceSpec d;
    d.id = std::move(id);
    d.port = port;
    d.poll = poll;
    d.timeout = timeout;
    d.maxBackoff = 2000ms;
    modbus::PointSpec p;
    p.id = "block";
    p.table = modbus::Table::holding;
    for (int i = 0; i < 10; ++i) {
        p.id = std::string("r").append(std::to_string(i));
        p.address = i;
        d.points.push_back(p);
    }
    return d;
}

double percentile(std::vector<std::int64_t> v, double q) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return static_cast<double>(v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]);
}

// A pass of the engine's cost device reads kSpread registers with a gap between each: kSpread
// reads back to back, as the bare loop does. (One read a pass would time the threads' wake-up
// after the idle period, not the engine.)
constexpr int kSpread = 1000;

modbus::DeviceSpec spreadDevice(std::uint16_t port) {
    modbus::DeviceSpec d = spec("spread", port, 500ms, 400ms);
    d.points.clear();
    for (int i = 0; i < kSpread; ++i) {
        modbus::PointSpec p;
        p.id = std::string("r").append(std::to_string(i));
        p.table = modbus::Table::holding;
        p.address = 2 * i;
        d.points.push_back(p);
    }
    return d;
}

// Mean µs of one 1-register read, libmodbus alone.
double bareReadUs(std::uint16_t port, int reads) {
    modbus_t* ctx = modbus_new_tcp_pi(  // as the engine connects
        "127.0.0.1", std::to_string(port).c_str());
    modbus_set_slave(ctx, 1);
    if (modbus_connect(ctx) != 0) {
        std::fprintf(stderr, "bare: connect failed: %s\n", modbus_strerror(errno));
        modbus_free(ctx);
        return 0;
    }
    std::uint16_t regs[1];
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < reads; ++i) {
        modbus_read_registers(ctx, (i % kSpread) * 2, 1, regs);
    }
    const auto us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    modbus_close(ctx);
    modbus_free(ctx);
    return us / reads;
}

}  // namespace

int main(int argc, char** argv) {
    int seconds = 20;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            seconds = 4;
        } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = std::atoi(argv[++i]);
        }
    }
    constexpr int kDevices = 200;
    constexpr int kSilent = 5;
    constexpr int kSlow = 5;
    std::vector<std::unique_ptr<sekimori::test::LoopbackModbusDevice>> devices;
    for (int i = 0; i < kDevices; ++i) {
        devices.push_back(std::make_unique<sekimori::test::LoopbackModbusDevice>());
        if (i < kSilent) {
            devices.back()->setMode(Mode::silent);
        } else if (i < kSilent + kSlow) {
            devices.back()->setMode(Mode::slow);
            devices.back()->setSlowMs(400);
        }
    }
    sekimori::test::IoThread io;
    sekimori::core::SystemClock clock;
    std::mutex mutex;
    std::vector<std::int64_t> liveLate;
    std::int64_t liveFailures = 0;
    std::int64_t deadPasses = 0;
    std::vector<std::unique_ptr<modbus::ModbusPoller>> pollers;
    for (int i = 0; i < kDevices; ++i) {
        const bool dead = i < kSilent + kSlow;
        pollers.push_back(std::make_unique<modbus::ModbusPoller>(
            io.executor(),
            spec(std::string("dev-").append(std::to_string(i)), devices[i]->port(), 1000ms, 300ms),
            clock, [&, dead](modbus::PassResult pass) {
                std::lock_guard lock(mutex);
                if (dead) {
                    ++deadPasses;
                } else {
                    liveLate.push_back(pass.lateUs);
                    liveFailures += pass.ok() ? 0 : 1;
                }
            }));
        if (!pollers.back()->start()) {
            std::fprintf(stderr, "poller %d did not start\n", i);
            return 2;
        }
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    io.run([&] {
        for (auto& p : pollers) {
            p->stop();
        }
    });
    std::vector<std::int64_t> late;
    {
        std::lock_guard lock(mutex);
        late = liveLate;
    }
    const double maxLateMs =
        late.empty() ? 0 : static_cast<double>(*std::max_element(late.begin(), late.end())) / 1000;
    std::printf("isolation: %d devices (%d silent, %d answering after 400 ms), %d s\n", kDevices,
                kSilent, kSlow, seconds);
    std::printf("  live passes %zu, failed %lld; dead or slow passes %lld\n", late.size(),
                static_cast<long long>(liveFailures), static_cast<long long>(deadPasses));
    std::printf("  live pass start late: p50 %.2f ms, p99 %.2f ms, max %.2f ms (bar 100 ms)\n",
                percentile(late, 0.5) / 1000, percentile(late, 0.99) / 1000, maxLateMs);

    // The cost of one read: a pass of the engine beside libmodbus alone, both on one device and
    // with the 200 others gone (their threads would only add scheduling noise to both).
    pollers.clear();
    devices.clear();
    // One core for the device, the bare loop and the engine (threads made from here on inherit
    // it): across two cores each reply wakes an idle one, and that wake-up (tens of µs in this
    // VM) would be timed instead of the code.
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    sekimori::test::LoopbackModbusDevice fast;
    const int reads = seconds >= 10 ? 20000 : 2000;
    const double bare = bareReadUs(fast.port(), reads);
    std::vector<std::int64_t> durations;
    {
        modbus::ModbusPoller engine(io.executor(), spreadDevice(fast.port()), clock,
                                    [&](modbus::PassResult pass) {
                                        std::lock_guard lock(mutex);
                                        if (pass.ok()) {
                                            durations.push_back(pass.durationUs);
                                        }
                                    });
        if (!engine.start()) {
            return 2;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(seconds >= 10 ? 6000 : 1500));
        io.run([&] { engine.stop(); });
    }
    std::lock_guard lock(mutex);
    if (!durations.empty()) {
        durations.erase(durations.begin());  // the connect
    }
    const double engineUs = durations.empty()
                                ? 0
                                : static_cast<double>(std::accumulate(
                                      durations.begin(), durations.end(), std::int64_t{0})) /
                                      static_cast<double>(durations.size()) / kSpread;
    const double ratio = bare > 0 ? engineUs / bare : 0;
    std::printf(
        "per read: bare libmodbus %.1f us (%d reads), engine %.1f us (%zu passes): %.2fx "
        "(bar 1.2x)\n",
        bare, reads, engineUs, durations.size(), ratio);
    const bool ok = maxLateMs <= 100 && liveFailures == 0 && ratio > 0 && ratio <= 1.2;
    std::printf("%s\n", ok ? "bars met" : "BAR MISSED");
    return ok ? 0 : 1;
}
