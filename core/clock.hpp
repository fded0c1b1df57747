#pragma once
// Time is injected so decisions and timeouts can be tested with a manual clock.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace sekimori::core {

// Microseconds since the Unix epoch (UTC).
using TimeUs = std::int64_t;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimeUs nowUs() const = 0;
};

class SystemClock final : public Clock {
  public:
    TimeUs nowUs() const override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

class ManualClock final : public Clock {
  public:
    explicit ManualClock(TimeUs start = 1'700'000'000'000'000) : now_(start) {}
    TimeUs nowUs() const override { return now_.load(); }
    void set(TimeUs t) { now_.store(t); }
    void advanceMs(std::int64_t ms) { now_.fetch_add(ms * 1000); }

  private:
    std::atomic<TimeUs> now_;
};

}  // namespace sekimori::core
