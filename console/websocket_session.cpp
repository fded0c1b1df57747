#include "console/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "console/event_hub.hpp"
#include "console/http_helpers.hpp"
#include "core/log.hpp"

namespace sekimori::console {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

WebSocketSession::WebSocketSession(Stream&& stream, std::shared_ptr<EventHub> hub,
                                   std::string sessionKey, Role role)
    : ws_(std::move(stream)),
      hub_(std::move(hub)),
      sessionKey_(std::move(sessionKey)),
      role_(role) {}

WebSocketSession::~WebSocketSession() {
    if (joined_) {
        hub_->leave(this);
    }
}

void WebSocketSession::run(beast::http::request<beast::http::string_body> upgrade) {
    // The websocket stream has its own timeouts (handshake, idle pings).
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::server, "sekimori-console");
        res.set(beast::http::field::strict_transport_security,
                beast::string_view(kHstsValue.data(), kHstsValue.size()));
    }));
    // Browsers only ever send close frames and pongs here; anything big is abuse.
    ws_.read_message_max(4096);
    ws_.async_accept(upgrade,
                     beast::bind_front_handler(&WebSocketSession::onAccept, shared_from_this()));
}

void WebSocketSession::onAccept(beast::error_code ec) {
    if (ec) {
        core::logDebug("console", "websocket accept: " + ec.message());
        return;
    }
    handedSeq_ = hub_->join(this);
    joined_ = true;
    // Queued before any event can be: join() and the hub's broadcast share a lock, and every
    // event it sends this stream arrives through a post to this executor, after this handler.
    enqueue({std::make_shared<const std::string>(
                 nlohmann::json{{"control", "hello"}, {"head_seq", handedSeq_}}.dump()),
             0});
    doRead();
}

void WebSocketSession::doRead() {
    ws_.async_read(buffer_,
                   beast::bind_front_handler(&WebSocketSession::onRead, shared_from_this()));
}

void WebSocketSession::onRead(beast::error_code ec, std::size_t) {
    if (ec) {
        // Closed by the peer, timed out or shut by us: leaving the hub ends the session.
        if (joined_) {
            hub_->leave(this);
            joined_ = false;
        }
        return;
    }
    buffer_.consume(buffer_.size());  // the stream is one-way; client messages are ignored
    doRead();
}

void WebSocketSession::send(std::shared_ptr<const std::string> message, std::uint64_t seq) {
    boost::asio::post(ws_.get_executor(),
                      beast::bind_front_handler(&WebSocketSession::onSend, shared_from_this(),
                                                std::move(message), seq));
}

void WebSocketSession::onSend(std::shared_ptr<const std::string> message, std::uint64_t seq) {
    if (closing_ || !joined_) {
        return;
    }
    if (queue_.size() >= kMaxQueue) {
        dropQueueForResync();  // this message goes with the rest
        return;
    }
    enqueue({std::move(message), seq});
}

void WebSocketSession::enqueue(Outgoing message) {
    queue_.push_back(std::move(message));
    if (!writing_) {
        startWrite();
    }
}

void WebSocketSession::dropQueueForResync() {
    const std::size_t kept = writing_ ? 1 : 0;  // a write in flight owns its buffer
    const std::size_t dropped = queue_.size() - kept;
    queue_.resize(kept);
    // Built piecewise: `literal + std::to_string()` trips GCC 12's false -Wrestrict at -O3.
    std::string note = "websocket client too slow: dropped ";
    note.append(std::to_string(dropped))
        .append(" queued messages; told to resync after seq ")
        .append(std::to_string(handedSeq_));
    core::logWarning("console", note);
    enqueue({std::make_shared<const std::string>(
                 nlohmann::json{{"control", "resync"}, {"after_seq", handedSeq_}}.dump()),
             0});
}

void WebSocketSession::startWrite() {
    writing_ = true;
    const Outgoing& front = queue_.front();
    if (front.seq > handedSeq_) {
        handedSeq_ = front.seq;
    }
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(*front.text),
                    beast::bind_front_handler(&WebSocketSession::onWrite, shared_from_this()));
}

void WebSocketSession::onWrite(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        queue_.clear();
        return;
    }
    queue_.pop_front();
    if (!queue_.empty() && !closing_) {
        startWrite();
    }
}

void WebSocketSession::close() {
    boost::asio::post(ws_.get_executor(),
                      beast::bind_front_handler(&WebSocketSession::onClose, shared_from_this()));
}

void WebSocketSession::onClose() {
    if (closing_) {
        return;
    }
    closing_ = true;
    if (joined_) {
        hub_->leave(this);
        joined_ = false;
    }
    // Closing the TCP socket cancels the pending read and any write; simpler and safer than a
    // close handshake that could race an in-flight write.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both,
                                                   ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace sekimori::console
