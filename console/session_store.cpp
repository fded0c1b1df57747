#include "console/session_store.hpp"

#include <algorithm>

#include "core/crypto.hpp"

namespace sekimori::console {

SessionStore::SessionStore(const core::Clock& clock, core::TimeUs idleUs, std::size_t maxSessions)
    : clock_(clock), idleUs_(idleUs), maxSessions_(maxSessions) {}

std::string SessionStore::keyOf(std::string_view token) {
    return core::toHex(core::sha256(token));
}

bool SessionStore::expired(const SessionInfo& s) const {
    return clock_.nowUs() - s.lastSeenUs >= idleUs_;
}

void SessionStore::purgeExpired() {
    std::erase_if(sessions_, [this](const auto& kv) { return expired(kv.second); });
}

std::string SessionStore::create(std::string_view name, Role role) {
    purgeExpired();
    if (sessions_.size() >= maxSessions_) {
        // Evict the least recently used session rather than refuse a legitimate login.
        auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
            return a.second.lastSeenUs < b.second.lastSeenUs;
        });
        sessions_.erase(oldest);
    }
    std::string token = core::randomToken(32);
    SessionInfo s;
    s.name = std::string(name);
    s.role = role;
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
    if (it == sessions_.end()) {
        return std::nullopt;
    }
    if (expired(it->second)) {
        sessions_.erase(it);
        return std::nullopt;
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

std::size_t SessionStore::removeAllFor(std::string_view name) {
    return std::erase_if(sessions_, [name](const auto& kv) { return kv.second.name == name; });
}

bool SessionStore::isLive(const std::string& key) const {
    auto it = sessions_.find(key);
    return it != sessions_.end() && !expired(it->second);
}

}  // namespace sekimori::console
