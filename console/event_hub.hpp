#pragma once
// Fans recorded events out to every live WebSocket, as in Beast's chat-multi example: weak
// pointers are copied under the lock and one shared payload is sent outside it, so a slow or
// closing session never holds the lock while the others wait. Each stream gets only the event
// types its role may see (EventVisibilityRules). The hub knows the newest seq published, so a
// stream's first message (hello) names where it starts: every event it carries after has a
// higher seq.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "console/event_visibility.hpp"

namespace sekimori::console {

class WebSocketSession;

class EventHub {
  public:
    // Returns the newest seq known at the moment of joining: the stream's hello head_seq.
    std::uint64_t join(WebSocketSession* session);
    void leave(WebSocketSession* session);
    // Set before the first stream joins.
    void setRules(EventVisibilityRules rules);
    // A seq known from elsewhere (the trail's newest at start).
    void noteSeq(std::uint64_t seq);
    // Sends `message` (the JSON of event `seq`) to every stream whose role may see `type`.
    void broadcast(std::string_view type, std::uint64_t seq, std::string message);
    // Closes the streams opened under one login session (after logout).
    void closeSession(const std::string& sessionKey);
    void closeAll();
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_set<WebSocketSession*> sessions_;
    EventVisibilityRules rules_;
    std::uint64_t headSeq_ = 0;
};

}  // namespace sekimori::console
