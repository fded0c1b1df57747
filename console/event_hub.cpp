#include "console/event_hub.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include "console/websocket_session.hpp"

namespace sekimori::console {
namespace {

// broadcast() indexes its per-role answers by the enum's value.
constexpr bool rolesAreIndexed() {
    for (std::size_t i = 0; i < std::size(kAllRoles); ++i) {
        if (static_cast<std::size_t>(kAllRoles[i]) != i) {
            return false;
        }
    }
    return true;
}
static_assert(rolesAreIndexed());

}  // namespace

std::uint64_t EventHub::join(WebSocketSession* session) {
    std::lock_guard lock(mutex_);
    sessions_.insert(session);
    return headSeq_;
}

void EventHub::noteSeq(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    headSeq_ = std::max(headSeq_, seq);
}

void EventHub::leave(WebSocketSession* session) {
    std::lock_guard lock(mutex_);
    sessions_.erase(session);
}

std::size_t EventHub::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

void EventHub::setRules(EventVisibilityRules rules) {
    std::lock_guard lock(mutex_);
    rules_ = std::move(rules);
}

void EventHub::broadcast(std::string_view type, std::uint64_t seq, std::string message) {
    std::vector<std::weak_ptr<WebSocketSession>> targets;
    {
        std::lock_guard lock(mutex_);
        // Under the same lock as join(): a stream that joined after this line never gets this
        // event, and its hello names this seq or a later one.
        headSeq_ = std::max(headSeq_, seq);
        bool admitted[std::size(kAllRoles)] = {};
        bool any = false;
        for (std::size_t i = 0; i < std::size(kAllRoles); ++i) {
            admitted[i] = rules_.admits(kAllRoles[i], type);
            any = any || admitted[i];
        }
        if (!any) {
            return;
        }
        targets.reserve(sessions_.size());
        for (auto* s : sessions_) {
            if (admitted[static_cast<std::size_t>(s->role())]) {
                targets.emplace_back(s->weak_from_this());
            }
        }
    }
    auto shared = std::make_shared<const std::string>(std::move(message));
    for (auto& w : targets) {
        if (auto s = w.lock()) {
            s->send(shared, seq);
        }
    }
}

void EventHub::closeSession(const std::string& sessionKey) {
    std::vector<std::weak_ptr<WebSocketSession>> targets;
    {
        std::lock_guard lock(mutex_);
        for (auto* s : sessions_) {
            if (s->sessionKey() == sessionKey) {
                targets.emplace_back(s->weak_from_this());
            }
        }
    }
    for (auto& w : targets) {
        if (auto s = w.lock()) {
            s->close();
        }
    }
}

void EventHub::closeAll() {
    std::vector<std::weak_ptr<WebSocketSession>> targets;
    {
        std::lock_guard lock(mutex_);
        for (auto* s : sessions_) {
            targets.emplace_back(s->weak_from_this());
        }
    }
    for (auto& w : targets) {
        if (auto s = w.lock()) {
            s->close();
        }
    }
}

}  // namespace sekimori::console
