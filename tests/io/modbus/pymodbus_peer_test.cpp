// The engine against a peer we did not write: Debian's pymodbus serving a map
// (sim/pymodbus_device.py), over real TCP on loopback.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "io/modbus/modbus_poller.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/io/modbus/loopback_device.hpp"

#include "tests/io/modbus/point_spec.hpp"

namespace sekimori::io::modbus {
namespace {

using test::point;

using namespace std::chrono_literals;

class PymodbusDevice {
  public:
    PymodbusDevice(std::uint16_t port, const std::string& map) {
        const std::string script = std::string(SEKIMORI_SOURCE_DIR) + "/sim/pymodbus_device.py";
        const std::string portText = std::to_string(port);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::execl("/usr/bin/python3", "python3", script.c_str(), "--port", portText.c_str(),
                    "--map", map.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~PymodbusDevice() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    PymodbusDevice(const PymodbusDevice&) = delete;
    PymodbusDevice& operator=(const PymodbusDevice&) = delete;

  private:
    pid_t pid_ = -1;
};

struct LastPass {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<PassResult> all;
    ModbusPoller::OnPass sink() {
        return [this](PassResult p) {
            std::lock_guard lock(mutex);
            all.push_back(std::move(p));
            changed.notify_all();
        };
    }
    std::optional<PassResult> waitFor(bool wantOk) {
        std::unique_lock lock(mutex);
        std::optional<PassResult> found;
        changed.wait_for(lock, 15s, [&] {
            for (const auto& p : all) {
                if (p.ok() == wantOk) {
                    found = p;
                    return true;
                }
            }
            return false;
        });
        return found;
    }
};

DeviceSpec meter(std::uint16_t port, int unit) {
    DeviceSpec d;
    d.id = "pm-1";
    d.port = port;
    d.unitId = unit;
    d.poll = 200ms;
    d.timeout = 150ms;
    d.maxBackoff = 400ms;
    d.points = {point("volts", Table::holding, 0, ValueType::f32),
                point("amps", Table::holding, 2, ValueType::u16, 0.1),
                point("temp", Table::input, 5, ValueType::s16),
                point("breaker", Table::coil, 3, ValueType::boolean)};
    return d;
}

TEST(ModbusPymodbusPeer, ADocumentedMapIsReadAsServedAndAnotherUnitIsNeverAnswered) {
    const std::uint16_t port = test::unusedLoopbackPort();
    // 230.5 as float32, high word first: 0x4366 0x8000; -40 as int16: 65496.
    PymodbusDevice device(port, R"({"unit": 3, "holding": {"0": 17254, "1": 32768, "2": 123},
                                     "input": {"5": 65496}, "coils": {"3": 1}})");
    test::IoThread io;
    core::SystemClock clock;
    LastPass passes;
    ModbusPoller poller(io.executor(), meter(port, 3), clock, passes.sink());
    ASSERT_TRUE(poller.start());
    const auto good = passes.waitFor(true);  // pymodbus takes a moment to listen
    ASSERT_TRUE(good) << "pymodbus never answered on port " << port;
    ASSERT_EQ(good->values.size(), 4U);
    EXPECT_DOUBLE_EQ(good->values[0], 230.5);
    EXPECT_DOUBLE_EQ(good->values[1], 12.3);
    EXPECT_DOUBLE_EQ(good->values[2], -40.0);
    EXPECT_DOUBLE_EQ(good->values[3], 1.0);
    io.run([&] { poller.stop(); });

    LastPass other;
    ModbusPoller wrongUnit(io.executor(), meter(port, 2), clock, other.sink());
    ASSERT_TRUE(wrongUnit.start());
    const auto failed = other.waitFor(false);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->error, PassError::timeout) << failed->message;
    io.run([&] { wrongUnit.stop(); });
}

struct Writes {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<WriteResult> all;
    ModbusPoller::OnWrite sink() {
        return [this](WriteResult w) {
            std::lock_guard lock(mutex);
            all.push_back(std::move(w));
            changed.notify_all();
        };
    }
    std::vector<WriteResult> waitFor(std::size_t count) {
        std::unique_lock lock(mutex);
        changed.wait_for(lock, 15s, [&] { return all.size() >= count; });
        return all;
    }
};

TEST(ModbusPymodbusPeer, WritesAreEchoedByThePeerAndReadBackByTheNextPass) {
    const std::uint16_t port = test::unusedLoopbackPort();
    PymodbusDevice device(port, R"({"unit": 3, "holding": {"0": 17254, "1": 32768, "2": 123}})");
    test::IoThread io;
    core::SystemClock clock;
    LastPass passes;
    ModbusPoller poller(io.executor(), meter(port, 3), clock, passes.sink());
    ASSERT_TRUE(poller.start());
    ASSERT_TRUE(passes.waitFor(true)) << "pymodbus never answered on port " << port;

    Writes writes;
    io.run([&] {
        ASSERT_TRUE(poller.write({"breaker", 1}, writes.sink()));
        ASSERT_TRUE(poller.write({"amps", 45.6}, writes.sink()));
        ASSERT_TRUE(poller.write({"volts", 101.25}, writes.sink()));  // two registers (FC 16)
        // Refused before anything is sent: read-only, unknown, out of range.
        EXPECT_FALSE(poller.write({"temp", 1}, writes.sink()));
        EXPECT_FALSE(poller.write({"nope", 1}, writes.sink()));
        EXPECT_FALSE(poller.write({"amps", -1}, writes.sink()));
    });
    const auto done = writes.waitFor(3);
    ASSERT_EQ(done.size(), 3U);
    for (const auto& w : done) {
        EXPECT_TRUE(w.ok()) << w.point << ": " << w.message;
    }
    // The pass after the writes reads the peer's registers as written.
    std::unique_lock lock(passes.mutex);
    const bool readBack = passes.changed.wait_for(lock, 15s, [&] {
        const auto& last = passes.all.back();
        return last.ok() && last.values[3] == 1.0 && last.values[1] == 45.6 &&
               last.values[0] == 101.25;
    });
    lock.unlock();
    EXPECT_TRUE(readBack);
    io.run([&] { poller.stop(); });
}

}  // namespace
}  // namespace sekimori::io::modbus
