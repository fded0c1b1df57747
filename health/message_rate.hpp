#pragma once
// Messages per second over a sliding window of whole seconds, for the panels' traffic. Pure:
// the caller passes the time, so tests drive it with a manual clock.
#include <cstdint>
#include <vector>

#include "core/clock.hpp"

namespace sekimori::health {

class MessageRate {
  public:
    explicit MessageRate(int windowSeconds = 60);

    void add(core::TimeUs nowUs);
    // Messages in the last windowSeconds (the current second included), divided by the window.
    double perSecond(core::TimeUs nowUs) const;

  private:
    void advanceTo(std::int64_t second);
    std::int64_t count(std::int64_t nowSecond) const;

    std::vector<std::uint32_t> buckets_;  // buckets_[s % size] counts second s
    std::int64_t newestSecond_ = 0;       // the second the newest bucket counts
};

}  // namespace sekimori::health
