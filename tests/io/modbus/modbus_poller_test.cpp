#include "io/modbus/modbus_poller.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "core/clock.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/io/modbus/loopback_device.hpp"

#include "tests/io/modbus/point_spec.hpp"

namespace sekimori::io::modbus {
namespace {

using test::point;

using Mode = test::LoopbackModbusDevice::Mode;
using namespace std::chrono_literals;

// Every pass the poller posted, in order; tests wait on them, never for a fixed time.
class Passes {
  public:
    ModbusPoller::OnPass sink() {
        return [this](PassResult pass) {
            std::lock_guard lock(mutex_);
            all_.push_back(std::move(pass));
            changed_.notify_all();
        };
    }
    // The first pass after the `from`th that satisfies `match`.
    PassResult waitFor(std::function<bool(const PassResult&)> match, std::size_t from = 0) {
        std::unique_lock lock(mutex_);
        PassResult found;
        const bool ok = changed_.wait_for(lock, 10s, [&] {
            for (std::size_t i = from; i < all_.size(); ++i) {
                if (match(all_[i])) {
                    found = all_[i];
                    return true;
                }
            }
            return false;
        });
        if (!ok) {
            ADD_FAILURE() << "no matching pass in 10 s (" << all_.size() << " passes)";
        }
        return found;
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return all_.size();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<PassResult> all_;
};

DeviceSpec device(std::uint16_t port) {
    DeviceSpec d;
    d.id = "meter-1";
    d.port = port;
    d.poll = 100ms;
    d.timeout = 60ms;
    d.maxBackoff = 200ms;
    PointSpec volts = point("volts", Table::holding, 0, ValueType::f32);
    PointSpec amps = point("amps", Table::holding, 2);
    amps.scale = 0.1;
    d.points = {volts, amps, point("temp", Table::input, 5, ValueType::s16),
                point("breaker", Table::coil, 3, ValueType::boolean)};
    return d;
}

void setFloat(test::LoopbackModbusDevice& dev, std::size_t at, float value) {
    const auto bits = std::bit_cast<std::uint32_t>(value);
    auto guard = dev.lock();
    dev.holding[at] = static_cast<std::uint16_t>(bits >> 16);
    dev.holding[at + 1] = static_cast<std::uint16_t>(bits & 0xFFFF);
}

bool ok(const PassResult& p) {
    return p.ok();
}

TEST(ModbusPoller, APassReadsEveryPointOnceABatchOverRealTcp) {
    test::LoopbackModbusDevice dev;
    setFloat(dev, 0, 230.5F);
    {
        auto guard = dev.lock();
        dev.holding[2] = 123;
        dev.input[5] = static_cast<std::uint16_t>(-40);
        dev.coils[3] = 1;
    }
    test::IoThread io;
    Passes passes;
    core::SystemClock clock;
    ModbusPoller poller(io.executor(), device(dev.port()), clock, passes.sink());
    ASSERT_TRUE(poller.start());
    const auto first = passes.waitFor(ok);
    ASSERT_EQ(first.values.size(), 4U);
    EXPECT_DOUBLE_EQ(first.values[0], 230.5);
    EXPECT_DOUBLE_EQ(first.values[1], 12.3);
    EXPECT_DOUBLE_EQ(first.values[2], -40.0);
    EXPECT_DOUBLE_EQ(first.values[3], 1.0);
    EXPECT_EQ(first.device, "meter-1");
    EXPECT_GT(first.timeUs, 0);
    // Three reads a pass (holding 0..2, input 5, coil 3), on one connection.
    passes.waitFor(ok, passes.size());
    io.run([&] { poller.stop(); });
    EXPECT_EQ(dev.requests() % 3, 0);
    EXPECT_EQ(dev.connections(), 1);
}

TEST(ModbusPoller, ARefusedPortIsAConnectErrorAndRetriedWithBackoff) {
    test::IoThread io;
    Passes passes;
    core::SystemClock clock;
    ModbusPoller poller(io.executor(), device(test::unusedLoopbackPort()), clock, passes.sink());
    ASSERT_TRUE(poller.start());
    const auto failed = passes.waitFor([](const PassResult& p) { return !p.ok(); });
    EXPECT_EQ(failed.error, PassError::connect);
    EXPECT_NE(failed.message.find("refused"), std::string::npos) << failed.message;
    EXPECT_TRUE(failed.values.empty());
    passes.waitFor([](const PassResult& p) { return !p.ok(); }, 1);  // it keeps trying
    io.run([&] { poller.stop(); });
}

TEST(ModbusPoller, ASilentDeviceTimesOutThenTheNextPassReconnects) {
    test::LoopbackModbusDevice dev;
    dev.setMode(Mode::silent);
    test::IoThread io;
    Passes passes;
    core::SystemClock clock;
    ModbusPoller poller(io.executor(), device(dev.port()), clock, passes.sink());
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(poller.start());
    const auto failed = passes.waitFor([](const PassResult& p) { return !p.ok(); });
    EXPECT_EQ(failed.error, PassError::timeout) << failed.message;
    // Bounded by the device's time-out (60 ms), not libmodbus' default or a 30 s socket wait.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    dev.setMode(Mode::answer);
    passes.waitFor(ok);
    io.run([&] { poller.stop(); });
    EXPECT_GE(dev.connections(), 2);  // closed after the time-out: a late reply would poison
}

TEST(ModbusPoller, AConnectNobodyAnswersEndsAtTheTimeOutNotTheKernels) {
    // A listener whose queue is full drops the SYN, as a host gone from the network does.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 0), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    std::vector<int> queued;
    for (int i = 0; i < 4; ++i) {
        queued.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
        ::connect(queued.back(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    test::IoThread io;
    Passes passes;
    core::SystemClock clock;
    const auto started = std::chrono::steady_clock::now();
    ModbusPoller poller(io.executor(), device(ntohs(addr.sin_port)), clock, passes.sink());
    ASSERT_TRUE(poller.start());
    const auto failed = passes.waitFor([](const PassResult& p) { return !p.ok(); });
    EXPECT_EQ(failed.error, PassError::timeout) << failed.message;
    EXPECT_LT(failed.durationUs, 1'000'000);  // the 60 ms time-out, not the SYN retries
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    io.run([&] { poller.stop(); });
    for (const int fd : queued) {
        ::close(fd);
    }
    ::close(listener);
}

TEST(ModbusPoller, AnExceptionReplyFailsThePassAndKeepsTheConnection) {
    test::LoopbackModbusDevice dev;
    dev.setMode(Mode::exception, 2);
    test::IoThread io;
    Passes passes;
    core::SystemClock clock;
    ModbusPoller poller(io.executor(), device(dev.port()), clock, passes.sink());
    ASSERT_TRUE(poller.start());
    const auto failed = passes.waitFor([](const PassResult& p) { return !p.ok(); });
    EXPECT_EQ(failed.error, PassError::exception);
    EXPECT_NE(failed.message.find("address"), std::string::npos) << failed.message;
    passes.waitFor([](const PassResult& p) { return !p.ok(); }, 1);
    dev.setMode(Mode::answer);
    passes.waitFor(ok);
    io.run([&] { poller.stop(); });
    EXPECT_EQ(dev.connections(), 1);
}

TEST(ModbusPoller, GarbageOrAnotherUnitsReplyIsBadDataNeverAValue) {
    for (const Mode mode : {Mode::garbage, Mode::wrongUnit}) {
        test::LoopbackModbusDevice dev;
        dev.setMode(mode);
        test::IoThread io;
        Passes passes;
        core::SystemClock clock;
        ModbusPoller poller(io.executor(), device(dev.port()), clock, passes.sink());
        ASSERT_TRUE(poller.start());
        const auto failed = passes.waitFor([](const PassResult& p) { return !p.ok(); });
        EXPECT_EQ(failed.error, PassError::badData)
            << static_cast<int>(mode) << ": " << failed.message;
        EXPECT_TRUE(failed.values.empty());
        dev.setMode(Mode::answer);
        passes.waitFor(ok);
        io.run([&] { poller.stop(); });
    }
}

TEST(ModbusPoller, StopReturnsWithinATimeOutAndNoPassArrivesAfter) {
    test::LoopbackModbusDevice dev;
    dev.setMode(Mode::silent);
    test::IoThread io;
    Passes passes;
    core::SystemClock clock;
    DeviceSpec spec = device(dev.port());
    spec.timeout = 400ms;
    spec.poll = 1000ms;
    ModbusPoller poller(io.executor(), spec, clock, passes.sink());
    ASSERT_TRUE(poller.start());
    const auto before = std::chrono::steady_clock::now();
    io.run([&] { poller.stop(); });
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
    const std::size_t seen = passes.size();
    io.run([] {});  // whatever was posted before stop() returned has run
    EXPECT_EQ(passes.size(), seen);
}

TEST(ModbusPoller, ATimeOutNotShorterThanThePollIsRefused) {
    test::IoThread io;
    core::SystemClock clock;
    DeviceSpec spec = device(502);
    spec.timeout = spec.poll;
    ModbusPoller poller(io.executor(), spec, clock, [](PassResult) {});
    const auto started = poller.start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, "modbus.bad_device");
}

}  // namespace
}  // namespace sekimori::io::modbus
