#include "console/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

#include "console/console_app.hpp"
#include "console/event_hub.hpp"
#include "console/websocket_session.hpp"
#include "core/log.hpp"

namespace sekimori::console {

namespace beast = boost::beast;

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& tls,
                         std::weak_ptr<ConsoleApp> app, std::shared_ptr<EventHub> hub,
                         HttpLimits limits)
    : stream_(std::move(socket), tls), app_(std::move(app)), hub_(std::move(hub)), limits_(limits) {
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
        remote_ = endpoint.address().to_string();
    }
}

void HttpSession::run() {
    beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
    stream_.async_handshake(
        boost::asio::ssl::stream_base::server,
        beast::bind_front_handler(&HttpSession::onHandshake, shared_from_this()));
}

void HttpSession::onHandshake(beast::error_code ec) {
    if (ec) {
        core::logDebug("console", "TLS handshake from " + remote_ + ": " + ec.message());
        return;
    }
    doRead();
}

void HttpSession::doRead() {
    parser_.emplace();
    parser_->body_limit(limits_.bodyLimit);
    parser_->header_limit(8 * 1024);
    beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
}

void HttpSession::onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        doClose();
        return;
    }
    if (ec == http::error::body_limit) {
        HttpRequest shape;
        shape.version(11);
        shape.keep_alive(false);
        send(toHttp(shape, jsonError(http::status::payload_too_large, "body: too large")));
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
        auto verdict = app->authorizeEvents(parser_->get(), remote_);
        if (auto* refused = std::get_if<HttpResponse>(&verdict)) {
            refused->keep_alive(false);
            send(std::move(*refused));
            return;
        }
        std::make_shared<WebSocketSession>(std::move(stream_), hub_,
                                           std::get<SessionInfo>(verdict).key)
            ->run(parser_->release());
        return;
    }
    app->handle(parser_->get(), remote_, [self = shared_from_this()](HttpResponse response) {
        self->send(std::move(response));
    });
}

void HttpSession::send(http::response<http::string_body> response) {
    response_ = std::make_shared<http::response<http::string_body>>(std::move(response));
    const bool keepAlive = response_->keep_alive();
    beast::get_lowest_layer(stream_).expires_after(limits_.timeout);
    http::async_write(
        stream_, *response_,
        beast::bind_front_handler(&HttpSession::onWrite, shared_from_this(), keepAlive));
}

void HttpSession::onWrite(bool keepAlive, beast::error_code ec, std::size_t) {
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

void HttpSession::doClose() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
}

}  // namespace sekimori::console
