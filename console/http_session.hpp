#pragma once
// One TLS connection, after Beast's advanced server: a handshake and per-request timeout, a body
// limit per request, one request answered at a time; a WebSocket upgrade hands the stream over.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sekimori::console {

class ConsoleApp;
class EventHub;

struct HttpLimits {
    std::size_t bodyLimit = 16 * 1024;
    std::chrono::seconds timeout{30};
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context& tls,
                std::weak_ptr<ConsoleApp> app, std::shared_ptr<EventHub> hub, HttpLimits limits);
    void run();

  private:
    void onHandshake(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    void send(boost::beast::http::response<boost::beast::http::string_body> response);
    void onWrite(bool keepAlive, boost::beast::error_code ec, std::size_t bytes);
    void doClose();

    boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> response_;
    std::weak_ptr<ConsoleApp> app_;
    std::shared_ptr<EventHub> hub_;
    HttpLimits limits_;
    std::string remote_;
};

}  // namespace sekimori::console
