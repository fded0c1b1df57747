#pragma once
// Failed logins as the audit trail records them, coalesced so that an unauthenticated flood
// cannot fill the disk. The first failure of a (name, address) pair in a window is recorded at
// once (the desk sees it); further ones are only counted and recorded as one event when the
// window ends. At most maxPairs pairs are tracked per window; failures beyond that (a flood of
// made-up names) fold into one overflow event. So a window costs at most 2 * maxPairs + 1
// rows whatever comes in. Lives on the io thread.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"

namespace sekimori::console {

inline constexpr std::string_view kLoginFailedType = "operator.login_failed";

struct LoginFailureLimits {
    core::TimeUs windowUs = 60'000'000;
    std::size_t maxPairs = 64;
};

class LoginFailureLog {
  public:
    explicit LoginFailureLog(const core::Clock& clock, LoginFailureLimits limits = {});

    // Counts one failure; returns the event to record now (the first of its pair in this
    // window), or nothing (counted, to be recorded when the window ends).
    std::optional<core::Event> note(std::string_view name, std::string_view address,
                                    std::string_view reason);
    // The events of windows that have ended: one per pair with failures not yet recorded,
    // and one for the overflow. Call periodically.
    std::vector<core::Event> flushDue();
    // Everything not yet recorded, whatever the window (at shutdown).
    std::vector<core::Event> flushAll();

  private:
    struct Pending {
        std::size_t unrecorded = 0;
        std::map<std::string, std::size_t> reasons;
        core::TimeUs firstUs = 0;
        core::TimeUs lastUs = 0;
    };
    core::Event summary(const std::string& name, const std::string& address,
                        const Pending& p) const;
    std::vector<core::Event> drain();

    const core::Clock& clock_;
    LoginFailureLimits limits_;
    core::TimeUs windowStartUs_ = 0;
    std::map<std::pair<std::string, std::string>, Pending> pairs_;
    Pending overflow_;
};

}  // namespace sekimori::console
