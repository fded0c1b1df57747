#include "console/session_store.hpp"

#include <algorithm>

#include "core/crypto.hpp"

namespace sekimori::console {

SessionStore::SessionStore(const core::Clock& clock, SessionLimits limits)
    : clock_(clock), limits_(limits) {}

std::string SessionStore::keyOf(std::string_view token) {
    return core::toHex(core::sha256(token));
}

const char* SessionStore::expiry(const SessionInfo& s) const {
    const core::TimeUs now = clock_.nowUs();
    if (now - s.createdUs >= limits_.lifetimeUs) {
        return "lifetime";
    }
    if (now - s.lastSeenUs >= limits_.idleUs) {
        return "idle";
    }
    return nullptr;
}

std::vector<SessionStore::Expired> SessionStore::removeExpired() {
    std::vector<Expired> ended;
    std::erase_if(sessions_, [&](const auto& kv) {
        const char* reason = expiry(kv.second);
        if (reason == nullptr) {
            return false;
        }
        ended.push_back(Expired{kv.second, reason});
        return true;
    });
    return ended;
}

std::string SessionStore::create(const SessionInfo& who, std::optional<SessionInfo>* evicted) {
    // Expired sessions are ended by the caller's sweep (which closes their streams); here they
    // only must not take room from a new login.
    if (sessions_.size() >= limits_.maxSessions) {
        // Evict the least recently used session rather than refuse a legitimate login.
        auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
            return a.second.lastSeenUs < b.second.lastSeenUs;
        });
        if (evicted != nullptr) {
            *evicted = oldest->second;
        }
        sessions_.erase(oldest);
    }
    std::string token = core::randomToken(32);
    SessionInfo s = who;
    s.key = keyOf(token);
    s.createdUs = clock_.nowUs();
    s.lastSeenUs = s.createdUs;
    sessions_.emplace(s.key, s);
    return token;
}

std::optional<SessionInfo> SessionStore::touch(std::string_view token) {
    if (token.empty()) {
        return std::nullopt;
    }
    auto it = sessions_.find(keyOf(token));
    if (it == sessions_.end() || expired(it->second)) {
        return std::nullopt;  // an expired one is ended (and its streams closed) by the sweep
    }
    it->second.lastSeenUs = clock_.nowUs();
    return it->second;
}

std::optional<std::string> SessionStore::remove(std::string_view token) {
    auto it = sessions_.find(keyOf(token));
    if (it == sessions_.end()) {
        return std::nullopt;
    }
    std::string key = it->first;
    sessions_.erase(it);
    return key;
}

std::vector<std::string> SessionStore::removeAllFor(std::string_view name, std::string_view keep) {
    std::vector<std::string> ended;
    std::erase_if(sessions_, [&](const auto& kv) {
        if (kv.second.name != name || kv.first == keep) {
            return false;
        }
        ended.push_back(kv.first);
        return true;
    });
    return ended;
}

void SessionStore::clearMustChange(std::string_view name) {
    for (auto& [key, s] : sessions_) {
        if (s.name == name) {
            s.mustChangePassword = false;
        }
    }
}

bool SessionStore::isLive(const std::string& key) const {
    auto it = sessions_.find(key);
    return it != sessions_.end() && !expired(it->second);
}

std::vector<SessionInfo> SessionStore::live() const {
    std::vector<SessionInfo> out;
    out.reserve(sessions_.size());
    for (const auto& [key, s] : sessions_) {
        if (!expired(s)) {
            out.push_back(s);
        }
    }
    return out;
}

}  // namespace sekimori::console
