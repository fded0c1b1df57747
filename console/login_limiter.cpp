#include "console/login_limiter.hpp"

#include <algorithm>

namespace sekimori::console {

LoginLimiter::LoginLimiter(const core::Clock& clock, LoginLimits limits)
    : clock_(clock), limits_(limits) {}

core::TimeUs LoginLimiter::waitFor(const Table& table, std::string_view key,
                                   int freeAttempts) const {
    auto it = table.find(std::string(key));
    if (it == table.end()) {
        return 0;
    }
    const Entry& e = it->second;
    const core::TimeUs now = clock_.nowUs();
    if (e.lockedUntilUs > now) {
        return e.lockedUntilUs - now;
    }
    // Attempts still in flight count: once they could reach the limit, nobody else may start
    // until they are settled (a short wait: one password hash).
    if (e.failures + e.pending >= freeAttempts && e.pending > 0) {
        return kSettleWaitUs;
    }
    return 0;
}

LoginLimiter::Entry& LoginLimiter::entry(Table& table, std::string_view key) {
    if (table.size() >= limits_.maxKeys && !table.contains(std::string(key))) {
        // Forget keys whose last failure is older than the longest lock and that have nothing
        // in flight: they are harmless.
        const core::TimeUs now = clock_.nowUs();
        std::erase_if(table, [&](const auto& kv) {
            return kv.second.pending == 0 && now - kv.second.lastFailureUs > limits_.maxLockUs;
        });
    }
    return table[std::string(key)];
}

LoginLimiter::Admission LoginLimiter::admit(std::string_view name, std::string_view address) {
    Admission out;
    const core::TimeUs byName = waitFor(names_, name, limits_.freeAttemptsPerName);
    const core::TimeUs byAddress = waitFor(addresses_, address, limits_.freeAttemptsPerAddress);
    if (byName > 0 || byAddress > 0) {
        out.waitUs = std::max(byName, byAddress);
        out.byAddress = byAddress >= byName;
        return out;
    }
    entry(names_, name).pending += 1;
    entry(addresses_, address).pending += 1;
    out.admitted = true;
    out.ticket = Ticket{std::string(name), std::string(address)};
    return out;
}

void LoginLimiter::settleFailure(Entry& e, int freeAttempts) {
    const core::TimeUs now = clock_.nowUs();
    e.failures += 1;
    e.lastFailureUs = now;
    if (e.failures >= freeAttempts) {
        core::TimeUs lock = limits_.firstLockUs;
        for (int i = freeAttempts; i < e.failures && lock < limits_.maxLockUs; ++i) {
            lock *= 2;
        }
        e.lockedUntilUs = now + std::min(lock, limits_.maxLockUs);
    }
}

void LoginLimiter::finish(const Ticket& ticket, bool succeeded) {
    auto name = names_.find(ticket.name);
    auto address = addresses_.find(ticket.address);
    if (name != names_.end() && name->second.pending > 0) {
        name->second.pending -= 1;
        if (succeeded) {
            const int pending = name->second.pending;
            name->second = Entry{};
            name->second.pending = pending;
        } else {
            settleFailure(name->second, limits_.freeAttemptsPerName);
        }
    }
    if (address != addresses_.end() && address->second.pending > 0) {
        address->second.pending -= 1;
        if (!succeeded) {
            settleFailure(address->second, limits_.freeAttemptsPerAddress);
        }
    }
}

void LoginLimiter::cancel(const Ticket& ticket) {
    for (auto* table : {&names_, &addresses_}) {
        const auto& key = table == &names_ ? ticket.name : ticket.address;
        auto it = table->find(key);
        if (it != table->end() && it->second.pending > 0) {
            it->second.pending -= 1;
        }
    }
}

int LoginLimiter::nameFailures(std::string_view name) const {
    auto it = names_.find(std::string(name));
    return it == names_.end() ? 0 : it->second.failures + it->second.pending;
}

int LoginLimiter::addressFailures(std::string_view address) const {
    auto it = addresses_.find(std::string(address));
    return it == addresses_.end() ? 0 : it->second.failures + it->second.pending;
}

}  // namespace sekimori::console
