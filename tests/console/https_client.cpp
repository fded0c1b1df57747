#include "tests/console/https_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>

namespace sekimori::console::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

Reply httpsRequest(std::uint16_t port, http::verb method, const std::string& target,
                   const std::string& body, const std::string& cookie, const std::string& origin) {
    asio::io_context ioc;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_verify_mode(asio::ssl::verify_none);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!cookie.empty()) {
        req.set(http::field::cookie, cookie);
    }
    if (!origin.empty()) {
        req.set(http::field::origin, origin);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.keep_alive(false);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    Reply out;
    out.status = res.result_int();
    for (auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    beast::error_code ignored;
    stream.shutdown(ignored);
    return out;
}

}  // namespace sekimori::console::testing
