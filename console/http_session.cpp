#include "console/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>

#include "console/console_app.hpp"
#include "console/event_hub.hpp"
#include "console/websocket_session.hpp"
#include "core/log.hpp"

namespace sekimori::console {

namespace beast = boost::beast;

// The state of one streamed answer. `next` is called on the pool, one call at a time; the io
// thread touches the rest.
template <class Stream>
struct BasicHttpSession<Stream>::Streaming {
    http::response<http::empty_body> head;
    http::response_serializer<http::empty_body> serializer{head};
    std::function<core::Result<std::string>()> next;
    std::string chunk;  // the chunk being written
    bool headWritten = false;
    bool keepAlive = false;
    unsigned version = 11;

    explicit Streaming(StreamedResponse r)
        : head(std::move(r.head)),
          serializer(head),
          next(std::move(r.next)),
          keepAlive(head.keep_alive()),
          version(head.version()) {}
};

template <class Stream>
BasicHttpSession<Stream>::BasicHttpSession(Stream&& stream, std::string remote,
                                           std::weak_ptr<ConsoleApp> app,
                                           std::shared_ptr<EventHub> hub, HttpLimits limits,
                                           boost::asio::any_io_executor pool)
    : stream_(std::move(stream)),
      app_(std::move(app)),
      hub_(std::move(hub)),
      limits_(limits),
      pool_(std::move(pool)),
      remote_(std::move(remote)) {}

template <class Stream>
void BasicHttpSession<Stream>::run() {
    if constexpr (kTls) {
        beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
        stream_.async_handshake(
            boost::asio::ssl::stream_base::server,
            beast::bind_front_handler(&BasicHttpSession::onHandshake, this->shared_from_this()));
    } else {
        doRead();
    }
}

template <class Stream>
void BasicHttpSession<Stream>::onHandshake(beast::error_code ec) {
    if (ec) {
        core::logDebug("console", "TLS handshake from " + remote_ + ": " + ec.message());
        return;
    }
    doRead();
}

template <class Stream>
void BasicHttpSession<Stream>::doRead() {
    parser_.emplace();
    parser_->body_limit(limits_.bodyLimit);
    parser_->header_limit(8 * 1024);
    beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&BasicHttpSession::onRead, this->shared_from_this()));
}

template <class Stream>
void BasicHttpSession<Stream>::onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        doClose();
        return;
    }
    if (ec == http::error::body_limit) {
        sendWhole(toHttp(ReplyShape{11, false, false},
                         jsonError(http::status::payload_too_large, "body: too large")));
        return;
    }
    if (ec) {
        return;  // timeout, reset or malformed request: drop the connection
    }
    auto app = app_.lock();
    if (!app) {
        doClose();
        return;
    }
    if (beast::websocket::is_upgrade(parser_->get())) {
        upgrade();
        return;
    }
    app->handle(parser_->get(), remote_, [self = this->shared_from_this()](ConsoleAnswer answer) {
        self->send(std::move(answer));
    });
}

// The live event stream is for browsers, over HTTPS; the local socket serves the REST API only.
template <class Stream>
void BasicHttpSession<Stream>::upgrade() {
    auto app = app_.lock();
    if (!app) {
        doClose();
        return;
    }
    if constexpr (kTls) {
        app->authorizeEvents(parser_->get(), remote_,
                             [self = this->shared_from_this()](ConsoleApp::EventsVerdict verdict) {
                                 if (auto* refused = std::get_if<HttpResponse>(&verdict)) {
                                     refused->keep_alive(false);
                                     self->sendWhole(std::move(*refused));
                                     return;
                                 }
                                 const auto& session = std::get<SessionInfo>(verdict);
                                 std::make_shared<WebSocketSession>(std::move(self->stream_),
                                                                    self->hub_, session.key,
                                                                    session.role)
                                     ->run(self->parser_->release());
                             });
    } else {
        sendWhole(toHttp(
            ReplyShape{parser_->get().version(), false, false},
            jsonError(http::status::bad_request, "the event stream is served over HTTPS only")));
    }
}

template <class Stream>
void BasicHttpSession<Stream>::send(ConsoleAnswer answer) {
    if (auto* whole = std::get_if<HttpResponse>(&answer)) {
        sendWhole(std::move(*whole));
        return;
    }
    startStream(std::get<StreamedResponse>(std::move(answer)));
}

template <class Stream>
void BasicHttpSession<Stream>::sendWhole(HttpResponse response) {
    response_ = std::make_shared<HttpResponse>(std::move(response));
    const bool keepAlive = response_->keep_alive();
    beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
    http::async_write(
        stream_, *response_,
        beast::bind_front_handler(&BasicHttpSession::onWrite, this->shared_from_this(), keepAlive));
}

template <class Stream>
void BasicHttpSession<Stream>::startStream(StreamedResponse response) {
    streaming_ = std::make_shared<Streaming>(std::move(response));
    pullChunk();
}

template <class Stream>
void BasicHttpSession<Stream>::pullChunk() {
    boost::asio::post(pool_, [self = this->shared_from_this(), streaming = streaming_] {
        auto chunk = streaming->next();
        boost::asio::post(self->stream_.get_executor(), [self, chunk = std::move(chunk)]() mutable {
            self->onChunk(std::move(chunk));
        });
    });
}

template <class Stream>
void BasicHttpSession<Stream>::onChunk(core::Result<std::string> chunk) {
    auto& s = *streaming_;
    if (!chunk) {
        core::logError("console",
                       "stream body: " + chunk.error().code + ": " + chunk.error().message);
        if (!s.headWritten) {
            const unsigned version = s.version;  // s dies with streaming_
            streaming_.reset();
            sendWhole(toHttp(ReplyShape{version, false, false},
                             jsonError(http::status::internal_server_error, "internal error")));
            return;
        }
        abort();
        return;
    }
    s.chunk = std::move(*chunk);
    auto self = this->shared_from_this();
    auto writeBody = [self] {
        auto& st = *self->streaming_;
        beast::get_lowest_layer(self->stream_).expires_after(self->limits_.timeout);
        if (st.chunk.empty()) {
            boost::asio::async_write(
                self->stream_, http::make_chunk_last(),
                [self, keepAlive = st.keepAlive](beast::error_code ec, std::size_t n) {
                    self->streaming_.reset();
                    self->onWrite(keepAlive, ec, n);
                });
            return;
        }
        boost::asio::async_write(self->stream_, http::make_chunk(boost::asio::buffer(st.chunk)),
                                 [self](beast::error_code ec, std::size_t) {
                                     if (ec) {
                                         self->streaming_.reset();
                                         return;  // the client went away
                                     }
                                     self->pullChunk();
                                 });
    };
    if (s.headWritten) {
        writeBody();
        return;
    }
    s.headWritten = true;
    beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
    http::async_write_header(stream_, s.serializer,
                             [self, writeBody](beast::error_code ec, std::size_t) {
                                 if (ec) {
                                     self->streaming_.reset();
                                     return;
                                 }
                                 writeBody();
                             });
}

template <class Stream>
void BasicHttpSession<Stream>::onWrite(bool keepAlive, beast::error_code ec, std::size_t) {
    if (ec) {
        return;
    }
    response_.reset();
    if (!keepAlive) {
        doClose();
        return;
    }
    doRead();
}

// Ends the connection without the final chunk, so the client sees a truncated body rather than
// a complete one.
template <class Stream>
void BasicHttpSession<Stream>::abort() {
    streaming_.reset();
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(boost::asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
}

template <class Stream>
void BasicHttpSession<Stream>::doClose() {
    if constexpr (kTls) {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
        beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::socket_base::shutdown_send, ignored);
        stream_.socket().close(ignored);
    }
}

template class BasicHttpSession<TlsStream>;
template class BasicHttpSession<LocalStream>;

}  // namespace sekimori::console
