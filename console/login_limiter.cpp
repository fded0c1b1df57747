#include "console/login_limiter.hpp"

#include <algorithm>

namespace sekimori::console {

LoginLimiter::LoginLimiter(const core::Clock& clock, std::size_t maxNames)
    : clock_(clock), maxNames_(maxNames) {}

core::TimeUs LoginLimiter::lockedForUs(std::string_view name) const {
    auto it = entries_.find(std::string(name));
    if (it == entries_.end()) {
        return 0;
    }
    return std::max<core::TimeUs>(0, it->second.lockedUntilUs - clock_.nowUs());
}

int LoginLimiter::failures(std::string_view name) const {
    auto it = entries_.find(std::string(name));
    return it == entries_.end() ? 0 : it->second.failures;
}

void LoginLimiter::recordFailure(std::string_view name) {
    const core::TimeUs now = clock_.nowUs();
    if (entries_.size() >= maxNames_ && !entries_.contains(std::string(name))) {
        // Forget names whose last failure is older than the longest lock: they are harmless.
        std::erase_if(entries_,
                      [now](const auto& kv) { return now - kv.second.lastFailureUs > kMaxLockUs; });
    }
    Entry& e = entries_[std::string(name)];
    e.failures += 1;
    e.lastFailureUs = now;
    if (e.failures >= kFreeAttempts) {
        core::TimeUs lock = kFirstLockUs;
        for (int i = kFreeAttempts; i < e.failures && lock < kMaxLockUs; ++i) {
            lock *= 2;
        }
        e.lockedUntilUs = now + std::min(lock, kMaxLockUs);
    }
}

void LoginLimiter::recordSuccess(std::string_view name) {
    entries_.erase(std::string(name));
}

}  // namespace sekimori::console
