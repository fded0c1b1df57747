#pragma once
// Fans recorded events out to every live WebSocket, as in Beast's chat-multi example: weak
// pointers are copied under the lock and one shared payload is sent outside it, so a slow or
// closing session never holds the lock while the others wait.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

namespace sekimori::console {

class WebSocketSession;

class EventHub {
  public:
    void join(WebSocketSession* session);
    void leave(WebSocketSession* session);
    void broadcast(std::string message);
    // Closes the streams opened under one login session (after logout).
    void closeSession(const std::string& sessionKey);
    void closeAll();
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_set<WebSocketSession*> sessions_;
};

}  // namespace sekimori::console
