#include "health/message_rate.hpp"

#include <algorithm>

namespace sekimori::health {
namespace {

std::int64_t secondOf(core::TimeUs us) {
    return us / 1'000'000;
}

}  // namespace

MessageRate::MessageRate(int windowSeconds)
    : buckets_(static_cast<std::size_t>(std::max(windowSeconds, 1)), 0) {}

void MessageRate::advanceTo(std::int64_t second) {
    if (second <= newestSecond_) {
        return;  // the same second, or a clock that stepped back: count into the newest bucket
    }
    const auto size = static_cast<std::int64_t>(buckets_.size());
    const std::int64_t stale = std::min(second - newestSecond_, size);
    for (std::int64_t s = second - stale + 1; s <= second; ++s) {
        buckets_[static_cast<std::size_t>(s % size)] = 0;
    }
    newestSecond_ = second;
}

void MessageRate::add(core::TimeUs nowUs) {
    advanceTo(secondOf(nowUs));
    const auto size = static_cast<std::int64_t>(buckets_.size());
    ++buckets_[static_cast<std::size_t>(newestSecond_ % size)];
}

std::int64_t MessageRate::count(std::int64_t nowSecond) const {
    const auto size = static_cast<std::int64_t>(buckets_.size());
    std::int64_t total = 0;
    // Buckets newer than nowSecond - size still count; older ones were overwritten or are stale.
    for (std::int64_t s = std::max(nowSecond - size + 1, newestSecond_ - size + 1);
         s <= newestSecond_; ++s) {
        total += buckets_[static_cast<std::size_t>(s % size)];
    }
    return total;
}

double MessageRate::perSecond(core::TimeUs nowUs) const {
    return static_cast<double>(count(secondOf(nowUs))) / static_cast<double>(buckets_.size());
}

}  // namespace sekimori::health
