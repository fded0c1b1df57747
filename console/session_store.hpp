#pragma once
// Logged-in console sessions. The browser holds a random 256-bit token in a cookie; this store
// keeps only its SHA-256, so a memory dump or log line never yields a usable session. A session
// ends when it is idle too long, when it reaches its absolute lifetime (however busy), on
// logout, on eviction, or when its account changes (disabled, role changed, row mismatch);
// every way out returns the keys that ended, so their WebSockets are closed at once.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "console/roles.hpp"
#include "core/clock.hpp"

namespace sekimori::console {

inline constexpr std::string_view kSessionCookie = "sekimori_session";
inline constexpr core::TimeUs kDefaultSessionIdleUs = 15LL * 60 * 1'000'000;
inline constexpr core::TimeUs kDefaultSessionLifetimeUs = 12LL * 3600 * 1'000'000;

struct SessionInfo {
    std::string name;
    Role role = Role::deskOperator;
    std::string person;  // the person id linked to the account; empty when none
    std::string key;     // hex SHA-256 of the token: identifies the session without revealing it
    core::TimeUs createdUs = 0;
    core::TimeUs lastSeenUs = 0;
    // The account still has a password someone else chose (the bootstrap admin, a new
    // account): every route but POST /api/session/password answers 403 until it is changed.
    bool mustChangePassword = false;
};

struct SessionLimits {
    core::TimeUs idleUs = kDefaultSessionIdleUs;
    core::TimeUs lifetimeUs = kDefaultSessionLifetimeUs;
    std::size_t maxSessions = 1000;
};

class SessionStore {
  public:
    SessionStore(const core::Clock& clock, SessionLimits limits);

    // Starts a session and returns the raw token (to be put in the cookie, never stored).
    // `evicted` receives the session pushed out to make room, if any.
    std::string create(const SessionInfo& who, std::optional<SessionInfo>* evicted = nullptr);
    // A live session for `token` with its idle timer restarted, or nothing (unknown/expired).
    std::optional<SessionInfo> touch(std::string_view token);
    // Ends the session; returns its key (for closing its WebSockets) if it existed.
    std::optional<std::string> remove(std::string_view token);
    // Ends every session of `name` except `keep` (a key); returns the keys that ended.
    std::vector<std::string> removeAllFor(std::string_view name, std::string_view keep = {});
    // Ends every session past its idle time or lifetime; returns them with the limit that
    // ended each ("idle" or "lifetime").
    struct Expired {
        SessionInfo session;
        std::string_view reason;
    };
    std::vector<Expired> removeExpired();
    // The account's password was changed: its sessions no longer need to change it.
    void clearMustChange(std::string_view name);
    bool isLive(const std::string& key) const;
    // Every live session (for the periodic account check).
    std::vector<SessionInfo> live() const;
    std::size_t size() const { return sessions_.size(); }
    const SessionLimits& limits() const { return limits_; }

    static std::string keyOf(std::string_view token);

  private:
    // nullptr while live, else "idle" or "lifetime".
    const char* expiry(const SessionInfo& s) const;
    bool expired(const SessionInfo& s) const { return expiry(s) != nullptr; }

    const core::Clock& clock_;
    SessionLimits limits_;
    std::unordered_map<std::string, SessionInfo> sessions_;  // by key
};

}  // namespace sekimori::console
