#pragma once
// One browser's /ws/events stream over TLS. The first message is {"control":"hello",
// "head_seq":N}: every event that follows has a higher seq. Outgoing messages wait in a bounded
// queue; when a client falls kMaxQueue messages behind, everything queued (but the write in
// flight) is dropped and {"control":"resync","after_seq":N} is sent, N the newest seq it was
// handed before the dropped ones: the client fetches GET /api/events?after_seq=N and carries on
// with the stream, whose later events all have higher seqs. Memory stays bounded, the session
// stays open, and no client is skipped without being told.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
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
    void send(std::shared_ptr<const std::string> message, std::uint64_t seq);
    void close();
    const std::string& sessionKey() const { return sessionKey_; }
    Role role() const { return role_; }

  private:
    void onAccept(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    struct Outgoing {
        std::shared_ptr<const std::string> text;
        std::uint64_t seq = 0;  // 0: a control message
    };
    void onSend(std::shared_ptr<const std::string> message, std::uint64_t seq);
    void enqueue(Outgoing message);
    void dropQueueForResync();
    void startWrite();
    void onWrite(boost::beast::error_code ec, std::size_t bytes);
    void onClose();

    boost::beast::websocket::stream<Stream> ws_;
    boost::beast::flat_buffer buffer_;
    std::shared_ptr<EventHub> hub_;
    std::string sessionKey_;
    Role role_;
    std::deque<Outgoing> queue_;  // the front is being written while writing_
    bool writing_ = false;
    // The newest event seq handed to the client (written, or being written); starts at hello's.
    std::uint64_t handedSeq_ = 0;
    bool joined_ = false;
    bool closing_ = false;
};

}  // namespace sekimori::console
