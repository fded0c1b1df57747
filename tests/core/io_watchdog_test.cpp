#include "core/io_watchdog.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>

#include "core/cpu_limit_sampler.hpp"
#include "core/sqlite_db.hpp"

using namespace sekimori::core;
using namespace std::chrono_literals;

namespace {

std::chrono::nanoseconds threadCpu() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Spins until this thread has used `cpu` of CPU time: as long as it takes on a loaded machine,
// and always that much CPU, so the test does not depend on the load.
void burnCpu(std::chrono::nanoseconds cpu) {
    const auto until = threadCpu() + cpu;
    volatile std::uint64_t sink = 0;
    while (threadCpu() < until) {
        sink = sink + 1;
    }
}

const IoWatchdogOptions kFiveMs{std::chrono::microseconds(5000)};

[[gnu::noinline]] void spendTwentyMsInARecognisableFunction() {
    burnCpu(20ms);
}

}  // namespace

TEST(CpuLimitSampler, TheStackAtTheLimitNamesTheCodeThatSpentIt) {
    CpuLimitSampler sampler(5ms);
    sampler.arm();
    spendTwentyMsInARecognisableFunction();
    sampler.disarm();
    const std::string stack = sampler.stack();
    ASSERT_FALSE(stack.empty());
#if defined(__SANITIZE_ADDRESS__)  // symbolized by the sanitizer runtime; bare addresses otherwise
    EXPECT_NE(stack.find("spendTwentyMsInARecognisableFunction"), std::string::npos) << stack;
#endif
}

TEST(CpuLimitSampler, WorkUnderTheBudgetLeavesNoStackAndArmingForgetsTheLast) {
    CpuLimitSampler sampler(5ms);
    sampler.arm();
    burnCpu(20ms);
    sampler.disarm();
    ASSERT_FALSE(sampler.stack().empty());
    sampler.arm();
    burnCpu(1ms);
    sampler.disarm();
    EXPECT_EQ(sampler.stack(), "");
}

TEST(IoWatchdog, HandlerThatBurnsCpuOverTheLimitIsCountedWithItsDuration) {
    boost::asio::io_context io;
    boost::asio::post(io, [] { burnCpu(20ms); });
    const IoWatchdogCounts counts = runIoLoop(io, kFiveMs);
    EXPECT_EQ(counts.handlers, 1u);
    EXPECT_EQ(counts.slowHandlers, 1u);
    EXPECT_GE(counts.longestCpu, 20ms);
    EXPECT_EQ(counts.violations(), 1u);
}

TEST(IoWatchdog, ShortHandlersAreNotViolations) {
    boost::asio::io_context io;
    int ran = 0;
    for (int i = 0; i < 100; ++i) {
        boost::asio::post(io, [&ran] { ++ran; });
    }
    const IoWatchdogCounts counts = runIoLoop(io, kFiveMs);
    EXPECT_EQ(ran, 100);
    EXPECT_EQ(counts.handlers, 100u);
    EXPECT_EQ(counts.violations(), 0u);
    EXPECT_LT(counts.longestCpu, 5ms);
}

// Only CPU counts: a preempted handler is not slow. So a handler that sleeps (or waits on a
// disk) passes this check, and the store calls are caught where they are made instead.
TEST(IoWatchdog, WaitingWithoutCpuIsNotCountedAsSlow) {
    boost::asio::io_context io;
    boost::asio::post(io, [] { std::this_thread::sleep_for(20ms); });
    EXPECT_EQ(runIoLoop(io, kFiveMs).slowHandlers, 0u);
}

TEST(IoWatchdog, StoreCallsOnTheWatchedIoThreadAreViolations) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE((*db)->exec("CREATE TABLE t(a INTEGER)"));  // not on the io thread: fine
    boost::asio::io_context io;
    bool watched = false;
    boost::asio::post(io, [&] {
        watched = onWatchedIoThread();
        EXPECT_TRUE((*db)->prepare("SELECT a FROM t"));
        EXPECT_TRUE((*db)->exec("DELETE FROM t"));
    });
    const auto before = ioWatchdogTotals().blockingCalls;
    const IoWatchdogCounts counts = runIoLoop(io, kFiveMs);
    EXPECT_TRUE(watched);
    EXPECT_EQ(counts.blockingCalls, 2u);
    EXPECT_EQ(counts.violations(), 2u);
    EXPECT_EQ(ioWatchdogTotals().blockingCalls, before + 2);
    EXPECT_FALSE(onWatchedIoThread());  // the mark ends with the loop
}

TEST(IoWatchdog, StoreCallsOnAnotherThreadDuringTheLoopAreFine) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db) << db.error().message;
    boost::asio::io_context io;
    boost::asio::post(io, [&] {
        // The io thread hands the query to a worker, as the daemon's readers do.
        std::thread worker([&] { EXPECT_TRUE((*db)->exec("CREATE TABLE t(a INTEGER)")); });
        worker.join();
    });
    EXPECT_EQ(runIoLoop(io, kFiveMs).blockingCalls, 0u);
}

TEST(IoWatchdog, OffRunsEverythingAndChecksNothing) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db) << db.error().message;
    boost::asio::io_context io;
    bool ran = false;
    boost::asio::post(io, [&] {
        burnCpu(10ms);
        EXPECT_FALSE(onWatchedIoThread());
        EXPECT_TRUE((*db)->exec("CREATE TABLE t(a INTEGER)"));
        ran = true;
    });
    const IoWatchdogCounts counts = runIoLoop(io, IoWatchdogOptions{});
    EXPECT_TRUE(ran);
    EXPECT_EQ(counts.handlers, 0u);
    EXPECT_EQ(counts.violations(), 0u);
}

TEST(IoWatchdog, StopsWhenTheContextIsStoppedAsRunDoes) {
    boost::asio::io_context io;
    int ran = 0;
    boost::asio::post(io, [&] {
        ++ran;
        io.stop();
    });
    boost::asio::post(io, [&] { ++ran; });
    EXPECT_EQ(runIoLoop(io, kFiveMs).handlers, 1u);
    EXPECT_EQ(ran, 1);
}

TEST(IoWatchdog, MarkIsClearedWhenAHandlerThrows) {
    boost::asio::io_context io;
    boost::asio::post(io, [] { throw std::runtime_error("handler failed"); });
    EXPECT_THROW(runIoLoop(io, kFiveMs), std::runtime_error);
    EXPECT_FALSE(onWatchedIoThread());
}

TEST(IoWatchdog, LimitFromTheEnvironmentText) {
    struct Row {
        const char* text;
        bool ok;
        std::optional<std::chrono::microseconds> limit;
    };
    const Row rows[] = {
        {"", true, std::nullopt},     {"0", true, std::nullopt},      {"5", true, 5000us},
        {"60000", true, 60000000us},  {"60001", false, std::nullopt}, {"-1", false, std::nullopt},
        {"5ms", false, std::nullopt}, {" 5", false, std::nullopt},    {"x", false, std::nullopt},
    };
    for (const Row& row : rows) {
        const auto parsed = parseIoWatchdogMs(row.text);
        ASSERT_EQ(parsed.ok(), row.ok) << row.text;
        if (row.ok) {
            EXPECT_EQ(parsed->limit, row.limit) << row.text;
        } else {
            EXPECT_NE(parsed.error().message.find("SEKIMORI_IO_WATCHDOG_MS"), std::string::npos);
            EXPECT_NE(parsed.error().message.find(row.text), std::string::npos);
        }
    }
}
