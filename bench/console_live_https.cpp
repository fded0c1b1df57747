#include "bench/console_live_https.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

namespace sekimori::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpsReply httpsRequest(const HttpsTarget& target, const std::string& method,
                        const std::string& path, const std::string& body) {
    HttpsReply out;
    try {
        asio::io_context ioc;
        asio::ssl::context tls(asio::ssl::context::tls_client);
        tls.set_verify_mode(asio::ssl::verify_none);  // the bench's own self-signed certificate
        beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        beast::get_lowest_layer(stream).connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), target.port));
        stream.handshake(asio::ssl::stream_base::client);
        http::request<http::string_body> req{http::string_to_verb(method), path, 11};
        req.set(http::field::host, "localhost");
        if (!target.cookie.empty()) {
            req.set(http::field::cookie, target.cookie);
        }
        if (!target.origin.empty()) {
            req.set(http::field::origin, target.origin);
        }
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.keep_alive(false);
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        http::read(stream, buffer, parser);
        auto res = parser.release();
        out.status = res.result_int();
        if (auto it = res.find(http::field::set_cookie); it != res.end()) {
            out.setCookie = std::string(it->value());
        }
        out.body = std::move(res.body());
        beast::error_code ignored;
        stream.shutdown(ignored);
    } catch (const std::exception& e) {
        out.status = 0;
        out.error = e.what();
    }
    return out;
}

std::string loginCookie(const HttpsTarget& target, const std::string& name,
                        const std::string& password, std::string& error) {
    const nlohmann::json body = {{"name", name}, {"password", password}};
    auto reply = httpsRequest(target, "POST", "/api/login", body.dump());
    if (reply.status != 200) {
        error = "login " + name + ": HTTP " + std::to_string(reply.status) + " " + reply.body +
                reply.error;
        return {};
    }
    return reply.setCookie.substr(0, reply.setCookie.find(';'));
}

}  // namespace sekimori::bench
