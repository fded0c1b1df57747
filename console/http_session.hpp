#pragma once
// One connection, after Beast's advanced server: a per-request timeout, a body limit per
// request, one request answered at a time. Two transports share it: TLS over TCP (browsers,
// remote tools; a WebSocket upgrade hands the stream over) and the daemon's local Unix socket
// (the CLI: plain HTTP/1.1, the kernel names the peer; no event stream there).
// A streamed answer goes out with chunked transfer encoding: one chunk is pulled at a time on
// the console's pool and written before the next is pulled, so memory stays bounded whatever
// the body's size; an error after the first chunk aborts the connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/local/stream_protocol.hpp>
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

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using LocalStream = boost::beast::basic_stream<boost::asio::local::stream_protocol>;

template <class Stream>
class BasicHttpSession : public std::enable_shared_from_this<BasicHttpSession<Stream>> {
  public:
    // `remote` names the peer in the audit trail: an IP address, or "unix:<user>"
    // (local_peer.hpp) on the local socket.
    BasicHttpSession(Stream&& stream, std::string remote, std::weak_ptr<ConsoleApp> app,
                     std::shared_ptr<EventHub> hub, HttpLimits limits,
                     boost::asio::any_io_executor pool);
    void run();

  private:
    struct Streaming;
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

    void onHandshake(boost::beast::error_code ec);
    void doRead();
    void onRead(boost::beast::error_code ec, std::size_t bytes);
    void upgrade();
    void send(ConsoleAnswer answer);
    void sendWhole(HttpResponse response);
    void startStream(StreamedResponse response);
    void pullChunk();
    void onChunk(core::Result<std::string> chunk);
    void onWrite(bool keepAlive, boost::beast::error_code ec, std::size_t bytes);
    void abort();
    void doClose();

    Stream stream_;
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

// The console's HTTPS connections.
using HttpSession = BasicHttpSession<TlsStream>;
// Connections on the local Unix socket.
using LocalHttpSession = BasicHttpSession<LocalStream>;

extern template class BasicHttpSession<TlsStream>;
extern template class BasicHttpSession<LocalStream>;

}  // namespace sekimori::console
