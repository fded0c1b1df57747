#pragma once
// A debug check that the io thread is never blocked (CONVENTIONS habit 2). runIoLoop() runs an
// io_context one handler at a time and measures each handler's CPU time on its own thread
// (CLOCK_THREAD_CPUTIME_ID: being preempted on a loaded machine does not count, burning CPU
// does); one over the limit is logged as an error naming its duration. It also marks the
// thread as the io thread while it runs, so that blocking calls that burn no CPU — SQLite
// through core::Database — are caught where they are made (noteBlockingCallOnIoThread). Both
// are counted; the daemon exits non-zero when any was seen. Off (plain io.run(), no mark) unless
// enabled: SEKIMORI_IO_WATCHDOG_MS=5 in the integration scenarios.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.hpp"

namespace boost::asio {
class io_context;
}

namespace sekimori::core {

struct IoWatchdogOptions {
    // A handler that uses more CPU than this is a violation; nullopt: the watchdog is off.
    std::optional<std::chrono::microseconds> limit;
};

// "" or unset or "0": off; "N" (1..60000): on with a limit of N ms; anything else an error that
// names the variable and the value.
Result<IoWatchdogOptions> parseIoWatchdogMs(std::string_view text);
// parseIoWatchdogMs(getenv("SEKIMORI_IO_WATCHDOG_MS")).
Result<IoWatchdogOptions> ioWatchdogOptionsFromEnv();

struct IoWatchdogCounts {
    std::uint64_t handlers = 0;              // handlers run under the watchdog
    std::uint64_t slowHandlers = 0;          // of which over the limit
    std::chrono::microseconds longestCpu{};  // the most CPU one handler used
    std::uint64_t blockingCalls = 0;         // SQLite prepare/exec made on the io thread

    std::uint64_t violations() const { return slowHandlers + blockingCalls; }
};

// Runs `io` until it is stopped or out of work, as io.run() does, and returns what was seen in
// this run; with the watchdog off only `handlers` stays 0 and nothing is checked. Logs a
// summary at the end when on. Exceptions from handlers propagate as from io.run().
IoWatchdogCounts runIoLoop(boost::asio::io_context& io, const IoWatchdogOptions& options);

// true on a thread inside runIoLoop with the watchdog on.
bool onWatchedIoThread();

// For blocking primitives (core::Database): on a watched io thread, counts a violation and
// logs an error naming `what`; elsewhere does nothing. Cheap when off: one thread-local read.
void noteBlockingCallOnIoThread(std::string_view what);

// Totals of every runIoLoop in this process so far (also those still running).
IoWatchdogCounts ioWatchdogTotals();

}  // namespace sekimori::core
