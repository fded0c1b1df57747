#pragma once
// One browser's /ws/events stream over TLS. Outgoing messages wait in a bounded queue; a client
// that falls kMaxQueue messages behind is disconnected (it reconnects and reloads history)
// rather than let memory grow without bound.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <memory>
#include <string>

#include "console/roles.hpp"

namespace sekimori::console {

class EventHub;

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
  public:
    static constexpr std::size_t kMaxQueue = 256;
    using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    WebSocketSession(Stream&& stream, std::shared_ptr<EventHub> hub, std::string sessionKey,
                     Role role);
    ~WebSocketSession();

    void run(boost::beast::http::request<boost::beast::http::string_body> upgrade);
    // Thread-safe: both hop onto the stream's executor.
    void send(std::shared_ptr<const std::string> message);
    void close();
    const std::string& sessionKey() const { return sessionKey_; }
    Role role() const { return role_; }

  private:
    void onAccept(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    void onSend(std::shared_ptr<const std::string> message);
    void onWrite(boost::beast::error_code ec, std::size_t bytes);
    void onClose();

    boost::beast::websocket::stream<Stream> ws_;
    boost::beast::flat_buffer buffer_;
    std::shared_ptr<EventHub> hub_;
    std::string sessionKey_;
    Role role_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    bool joined_ = false;
    bool closing_ = false;
};

}  // namespace sekimori::console
