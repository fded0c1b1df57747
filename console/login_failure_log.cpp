#include "console/login_failure_log.hpp"

#include <nlohmann/json.hpp>

namespace sekimori::console {

LoginFailureLog::LoginFailureLog(const core::Clock& clock, LoginFailureLimits limits)
    : clock_(clock), limits_(limits), windowStartUs_(clock.nowUs()) {}

std::optional<core::Event> LoginFailureLog::note(std::string_view name, std::string_view address,
                                                 std::string_view reason) {
    const core::TimeUs now = clock_.nowUs();
    auto key = std::make_pair(std::string(name), std::string(address));
    auto it = pairs_.find(key);
    if (it == pairs_.end()) {
        if (pairs_.size() >= limits_.maxPairs) {
            if (overflow_.firstUs == 0) {
                overflow_.firstUs = now;
            }
            overflow_.unrecorded += 1;
            overflow_.reasons[std::string(reason)] += 1;
            overflow_.lastUs = now;
            return std::nullopt;
        }
        Pending& p = pairs_[key];
        p.firstUs = now;
        p.lastUs = now;
        core::Event e;
        e.timeUs = now;
        e.type = std::string(kLoginFailedType);
        e.source = "console";
        e.subject = key.first;
        e.payload = nlohmann::json{{"reason", std::string(reason)},
                                   {"remote", key.second},
                                   {"count", 1},
                                   {"window_s", limits_.windowUs / 1'000'000}}
                        .dump();
        return e;
    }
    Pending& p = it->second;
    p.unrecorded += 1;
    p.reasons[std::string(reason)] += 1;
    p.lastUs = now;
    return std::nullopt;
}

core::Event LoginFailureLog::summary(const std::string& name, const std::string& address,
                                     const Pending& p) const {
    core::Event e;
    e.timeUs = clock_.nowUs();
    e.type = std::string(kLoginFailedType);
    e.source = "console";
    e.subject = name;
    nlohmann::json payload{{"count", p.unrecorded},
                           {"reasons", p.reasons},
                           {"first_us", p.firstUs},
                           {"last_us", p.lastUs},
                           {"window_s", limits_.windowUs / 1'000'000},
                           {"coalesced", true}};
    if (!address.empty()) {
        payload["remote"] = address;
    }
    if (&p == &overflow_) {
        payload["overflow"] = true;
    }
    e.payload = payload.dump();
    return e;
}

std::vector<core::Event> LoginFailureLog::drain() {
    std::vector<core::Event> out;
    for (const auto& [key, p] : pairs_) {
        if (p.unrecorded > 0) {
            out.push_back(summary(key.first, key.second, p));
        }
    }
    if (overflow_.unrecorded > 0) {
        out.push_back(summary("", "", overflow_));
    }
    pairs_.clear();
    overflow_ = Pending{};
    return out;
}

std::vector<core::Event> LoginFailureLog::flushDue() {
    const core::TimeUs now = clock_.nowUs();
    if (now - windowStartUs_ < limits_.windowUs) {
        return {};
    }
    windowStartUs_ = now;
    return drain();
}

std::vector<core::Event> LoginFailureLog::flushAll() {
    windowStartUs_ = clock_.nowUs();
    return drain();
}

}  // namespace sekimori::console
