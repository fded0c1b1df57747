#pragma once
// Slows password guessing per operator name and per client address. Every attempt is counted
// as a failure the moment it is admitted (a reservation), and only a success gives it back:
// many attempts sent at once cannot all pass the check before the first of them fails. Past
// the free attempts a key is locked for 30 s, doubling with each further failure up to 15 min.
// A success clears the name's count; the address keeps its failures (one valid account must
// not launder an address that guesses at others).
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace sekimori::console {

struct LoginLimits {
    int freeAttemptsPerName = 5;
    int freeAttemptsPerAddress = 20;  // a shared desk or NAT carries several operators
    core::TimeUs firstLockUs = 30'000'000;
    core::TimeUs maxLockUs = 15LL * 60 * 1'000'000;
    std::size_t maxKeys = 10'000;  // per kind; old harmless keys are forgotten beyond it
};

class LoginLimiter {
  public:
    // Retry-After for an attempt refused only because earlier ones are still being checked.
    static constexpr core::TimeUs kSettleWaitUs = 1'000'000;

    explicit LoginLimiter(const core::Clock& clock, LoginLimits limits = {});

    // An admitted attempt; hand it back to finish() exactly once.
    struct Ticket {
        std::string name;
        std::string address;
    };
    struct Admission {
        bool admitted = false;
        core::TimeUs waitUs = 0;  // when refused: how long until the next attempt may come
        bool byAddress = false;   // when refused: the address (not the name) is locked
        Ticket ticket;            // when admitted
    };
    // Admits an attempt for `name` from `address` and reserves it as a failure, or refuses.
    Admission admit(std::string_view name, std::string_view address);
    // The outcome of an admitted attempt.
    void finish(const Ticket& ticket, bool succeeded);
    // An admitted attempt that never checked a password (the hash queue was full, the
    // database failed): its reservation is given back without counting either way.
    void cancel(const Ticket& ticket);

    // Failures counted now (including reservations in flight).
    int nameFailures(std::string_view name) const;
    int addressFailures(std::string_view address) const;

  private:
    struct Entry {
        int failures = 0;  // settled failures
        int pending = 0;   // admitted, not yet finished
        core::TimeUs lockedUntilUs = 0;
        core::TimeUs lastFailureUs = 0;
    };
    using Table = std::unordered_map<std::string, Entry>;

    core::TimeUs waitFor(const Table& table, std::string_view key, int freeAttempts) const;
    Entry& entry(Table& table, std::string_view key);
    void settleFailure(Entry& e, int freeAttempts);

    const core::Clock& clock_;
    LoginLimits limits_;
    Table names_;
    Table addresses_;
};

}  // namespace sekimori::console
