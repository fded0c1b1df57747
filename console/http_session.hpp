#pragma once
// One TLS connection, after Beast's advanced server: a handshake and per-request timeout, a body
// limit per request, one request answered at a time; a WebSocket upgrade hands the stream over.
// A streamed answer goes out with chunked transfer encoding: one chunk is pulled at a time on
// the console's pool and written before the next is pulled, so memory stays bounded whatever
// the body's size; an error after the first chunk aborts the connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "console/http_types.hpp"

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
                std::weak_ptr<ConsoleApp> app, std::shared_ptr<EventHub> hub, HttpLimits limits,
                boost::asio::any_io_executor pool);
    void run();

  private:
    struct Streaming;

    void onHandshake(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    void send(ConsoleAnswer answer);
    void sendWhole(HttpResponse response);
    void startStream(StreamedResponse response);
    void pullChunk();
    void onChunk(core::Result<std::string> chunk);
    void onWrite(bool keepAlive, boost::beast::error_code ec, std::size_t bytes);
    void abort();
    void doClose();

    boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<HttpResponse> response_;
    std::shared_ptr<Streaming> streaming_;
    std::weak_ptr<ConsoleApp> app_;
    std::shared_ptr<EventHub> hub_;
    HttpLimits limits_;
    boost::asio::any_io_executor pool_;
    std::string remote_;
};

}  // namespace sekimori::console
