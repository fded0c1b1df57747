#include "core/io_watchdog.hpp"

#include <time.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/cpu_limit_sampler.hpp"
#include "core/log.hpp"

namespace sekimori::core {
namespace {

constexpr std::string_view kComponent = "io-watchdog";
constexpr std::string_view kVariable = "SEKIMORI_IO_WATCHDOG_MS";
constexpr long kMaxLimitMs = 60000;

// Process-wide totals; each loop also keeps its own counts.
std::atomic<std::uint64_t> gHandlers{0};
std::atomic<std::uint64_t> gSlowHandlers{0};
std::atomic<std::int64_t> gLongestCpuUs{0};
std::atomic<std::uint64_t> gBlockingCalls{0};

// The counts of the loop running on this thread, when the watchdog is on.
thread_local IoWatchdogCounts* tCurrentLoop = nullptr;

std::chrono::microseconds threadCpuTime() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::nanoseconds(now.tv_nsec));
}

std::string milliseconds(std::chrono::microseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(duration.count()) / 1000.0);
    return text;
}

// Every violation counts, but a loop that keeps failing must not drown the log: the first 20
// of each kind are logged, then every 1000th (each line says how many so far).
bool worthLogging(std::uint64_t count) {
    return count <= 20 || count % 1000 == 0;
}

void raiseLongest(std::atomic<std::int64_t>& longest, std::int64_t candidate) {
    std::int64_t seen = longest.load();
    while (candidate > seen && !longest.compare_exchange_weak(seen, candidate)) {
    }
}

// Marks the thread for the loop's lifetime, also when a handler throws.
class WatchedThread {
  public:
    explicit WatchedThread(IoWatchdogCounts& counts) : previous_(tCurrentLoop) {
        tCurrentLoop = &counts;
    }
    ~WatchedThread() { tCurrentLoop = previous_; }
    WatchedThread(const WatchedThread&) = delete;
    WatchedThread& operator=(const WatchedThread&) = delete;

  private:
    IoWatchdogCounts* previous_;
};

void logSummary(const IoWatchdogCounts& counts, std::chrono::microseconds limit) {
    const std::string text = std::to_string(counts.handlers) + " handlers, longest " +
                             milliseconds(counts.longestCpu) + " of CPU (limit " +
                             milliseconds(limit) + "); " + std::to_string(counts.slowHandlers) +
                             " over the limit, " + std::to_string(counts.blockingCalls) +
                             " blocking store calls on the io thread";
    if (counts.violations() == 0) {
        logInfo(kComponent, "io thread never blocked: " + text);
    } else {
        logError(kComponent, "io thread was blocked: " + text);
    }
}

}  // namespace

Result<IoWatchdogOptions> parseIoWatchdogMs(std::string_view text) {
    if (text.empty()) {
        return IoWatchdogOptions{};
    }
    long ms = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (error != std::errc() || end != text.data() + text.size() || ms < 0 || ms > kMaxLimitMs) {
        return makeError("config.io_watchdog", std::string(kVariable) + " must be 0 (off) or " +
                                                   "1.." + std::to_string(kMaxLimitMs) +
                                                   " milliseconds, got '" + std::string(text) +
                                                   "'");
    }
    if (ms == 0) {
        return IoWatchdogOptions{};
    }
    return IoWatchdogOptions{std::chrono::milliseconds(ms)};
}

Result<IoWatchdogOptions> ioWatchdogOptionsFromEnv() {
    const char* text = std::getenv(std::string(kVariable).c_str());
    return parseIoWatchdogMs(text ? std::string_view(text) : std::string_view());
}

IoWatchdogCounts runIoLoop(boost::asio::io_context& io, const IoWatchdogOptions& options) {
    IoWatchdogCounts counts;
    if (!options.limit) {
        io.run();
        return counts;
    }
    const std::chrono::microseconds limit = *options.limit;
    {
        WatchedThread watched(counts);
        CpuLimitSampler sampler(limit);  // where a slow handler was when it passed the limit
        for (;;) {
            const auto before = threadCpuTime();
            sampler.arm();
            const auto ran = io.run_one();
            sampler.disarm();
            if (ran == 0) {
                break;  // stopped or out of work, as io.run() would return
            }
            const auto used = threadCpuTime() - before;
            ++counts.handlers;
            ++gHandlers;
            if (used > counts.longestCpu) {
                counts.longestCpu = used;
                raiseLongest(gLongestCpuUs, used.count());
            }
            if (used > limit) {
                ++counts.slowHandlers;
                ++gSlowHandlers;
                if (worthLogging(counts.slowHandlers)) {
                    const std::string stack = sampler.stack();
                    logError(kComponent,
                             "a handler held the io thread for " + milliseconds(used) +
                                 " of CPU (limit " + milliseconds(limit) + "; " +
                                 std::to_string(counts.slowHandlers) + " so far)" +
                                 (stack.empty() ? std::string()
                                                : "; where it was at the limit:\n" + stack));
                }
            }
        }
    }
    logSummary(counts, limit);
    return counts;
}

bool onWatchedIoThread() {
    return tCurrentLoop != nullptr;
}

void noteBlockingCallOnIoThread(std::string_view what) {
    IoWatchdogCounts* loop = tCurrentLoop;
    if (loop == nullptr) {
        return;
    }
    ++loop->blockingCalls;
    ++gBlockingCalls;
    if (worthLogging(loop->blockingCalls)) {
        logError(kComponent, "blocking call on the io thread: " + std::string(what.substr(0, 120)) +
                                 " (" + std::to_string(loop->blockingCalls) + " so far)");
    }
}

IoWatchdogCounts ioWatchdogTotals() {
    IoWatchdogCounts totals;
    totals.handlers = gHandlers.load();
    totals.slowHandlers = gSlowHandlers.load();
    totals.longestCpu = std::chrono::microseconds(gLongestCpuUs.load());
    totals.blockingCalls = gBlockingCalls.load();
    return totals;
}

}  // namespace sekimori::core
