#pragma once
// Where a thread was when it passed a CPU budget: a per-thread CPU-time timer (timer_create on
// CLOCK_THREAD_CPUTIME_ID) armed before each unit of work; if the work uses more than the budget
// the timer's signal takes a backtrace of the thread at that moment, which names the code that
// was burning the time. The io watchdog (core/io_watchdog.hpp) uses it so that a slow handler is
// logged with its stack, not only its duration. Debug tooling: two syscalls per arm/disarm.
#include <chrono>
#include <string>

namespace sekimori::core {

class CpuLimitSampler {
  public:
    // For the calling thread; inert (arm/disarm do nothing, stack() empty) if the timer could
    // not be made.
    explicit CpuLimitSampler(std::chrono::microseconds budget);
    ~CpuLimitSampler();
    CpuLimitSampler(const CpuLimitSampler&) = delete;
    CpuLimitSampler& operator=(const CpuLimitSampler&) = delete;

    // Starts a unit of work: the budget counts from now; forgets the last stack.
    void arm();
    // Ends it (the timer stops).
    void disarm();
    // The stack taken when the budget ran out in the last unit, one frame per line, innermost
    // first (symbolized where the sanitizer runtime is linked in); "" if it did not run out.
    std::string stack() const;

  private:
    std::chrono::microseconds budget_;
    void* timer_ = nullptr;  // timer_t
    bool ready_ = false;
};

}  // namespace sekimori::core
