#pragma once
// Logged-in console sessions. The browser holds a random 256-bit token in a cookie; this store
// keeps only its SHA-256, so a memory dump or log line never yields a usable session.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "console/roles.hpp"
#include "core/clock.hpp"

namespace sekimori::console {

inline constexpr std::string_view kSessionCookie = "sekimori_session";
inline constexpr core::TimeUs kDefaultSessionIdleUs = 15LL * 60 * 1'000'000;

struct SessionInfo {
    std::string name;
    Role role = Role::deskOperator;
    std::string key;  // hex SHA-256 of the token: identifies the session without revealing it
    core::TimeUs createdUs = 0;
    core::TimeUs lastSeenUs = 0;
};

class SessionStore {
  public:
    explicit SessionStore(const core::Clock& clock, core::TimeUs idleUs = kDefaultSessionIdleUs,
                          std::size_t maxSessions = 1000);

    // Starts a session and returns the raw token (to be put in the cookie, never stored).
    std::string create(std::string_view name, Role role);
    // A live session for `token` with its idle timer restarted, or nothing (unknown/expired).
    std::optional<SessionInfo> touch(std::string_view token);
    // Ends the session; returns its key (for closing its WebSockets) if it existed.
    std::optional<std::string> remove(std::string_view token);
    // Ends every session of `name` (e.g. the account was disabled).
    std::size_t removeAllFor(std::string_view name);
    bool isLive(const std::string& key) const;
    std::size_t size() const { return sessions_.size(); }

    static std::string keyOf(std::string_view token);

  private:
    bool expired(const SessionInfo& s) const;
    void purgeExpired();

    const core::Clock& clock_;
    core::TimeUs idleUs_;
    std::size_t maxSessions_;
    std::unordered_map<std::string, SessionInfo> sessions_;  // by key
};

}  // namespace sekimori::console
