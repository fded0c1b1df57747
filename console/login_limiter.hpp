#pragma once
// Slows password guessing per operator name: after kFreeAttempts consecutive failures the name
// is locked for 30 s, doubling with each further failure up to 15 min. A success clears it.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace sekimori::console {

class LoginLimiter {
  public:
    static constexpr int kFreeAttempts = 5;
    static constexpr core::TimeUs kFirstLockUs = 30'000'000;
    static constexpr core::TimeUs kMaxLockUs = 15LL * 60 * 1'000'000;

    explicit LoginLimiter(const core::Clock& clock, std::size_t maxNames = 10'000);

    // How long `name` must still wait before its next attempt; 0 when it may try now.
    core::TimeUs lockedForUs(std::string_view name) const;
    void recordFailure(std::string_view name);
    void recordSuccess(std::string_view name);
    int failures(std::string_view name) const;

  private:
    struct Entry {
        int failures = 0;
        core::TimeUs lockedUntilUs = 0;
        core::TimeUs lastFailureUs = 0;
    };
    const core::Clock& clock_;
    std::size_t maxNames_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sekimori::console
