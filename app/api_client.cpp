#include "app/api_client.hpp"

#include <sodium.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace sekimori::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = asio::local::stream_protocol;

namespace {

constexpr std::string_view kSessionCookie = "sekimori_session";
// Logins hash the password (argon2id) and changes wait for their commit: generous, but a hung
// daemon still ends the command.
constexpr auto kRequestTimeout = std::chrono::seconds(60);

http::verb toBeast(ApiVerb verb) {
    switch (verb) {
        case ApiVerb::get:
            return http::verb::get;
        case ApiVerb::post:
            return http::verb::post;
        case ApiVerb::put:
            return http::verb::put;
        case ApiVerb::patch:
            return http::verb::patch;
        case ApiVerb::del:
            return http::verb::delete_;
    }
    return http::verb::get;
}

void wipe(std::string& secret) {
    sodium_memzero(secret.data(), secret.size());
    secret.clear();
}

// Every string inside a JSON value (a PIN, a template, a password), before the value is freed.
void wipeStrings(nlohmann::json& value) {
    if (value.is_string()) {
        wipe(value.get_ref<std::string&>());
        return;
    }
    if (value.is_structured()) {
        for (auto& member : value) {
            wipeStrings(member);
        }
    }
}

core::Error connectError(const std::string& path, const boost::system::error_code& ec) {
    if (ec == asio::error::no_permission || ec == asio::error::access_denied) {
        return core::makeError("cli.socket_denied",
                               "permission denied on " + path +
                                   " (the daemon's socket admits its own user and group only)");
    }
    if (ec == asio::error::not_found || ec == asio::error::connection_refused ||
        ec.value() == ENOENT || ec.value() == ECONNREFUSED) {
        return core::makeError("cli.daemon_down",
                               "the daemon is not running (nothing listens on " + path + ")");
    }
    return core::makeError("cli.daemon_down", "cannot connect to " + path + ": " + ec.message());
}

// The session cookie from a Set-Cookie value: "sekimori_session=<token>; HttpOnly; ...".
std::optional<std::string> sessionFrom(std::string_view setCookie) {
    const std::string prefix = std::string(kSessionCookie) + "=";
    if (!setCookie.starts_with(prefix)) {
        return std::nullopt;
    }
    const auto end = setCookie.find(';');
    std::string pair(setCookie.substr(0, end));
    return pair.size() > prefix.size() ? std::optional(pair) : std::optional<std::string>("");
}

}  // namespace

struct ApiClient::Connection {
    asio::io_context io;
    beast::basic_stream<local> stream{io};
    beast::flat_buffer buffer;
};

ApiClient::ApiClient(std::string socketPath) : socketPath_(std::move(socketPath)) {}
ApiClient::~ApiClient() {
    wipe(cookie_);
}
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;

void ApiClient::forgetSession() {
    wipe(cookie_);
}

core::Result<ApiAnswer> ApiClient::call(ApiVerb verb, const std::string& target,
                                        std::optional<nlohmann::json> body) {
    http::request<http::string_body> req{toBeast(verb), target, 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::user_agent, "sekimori-cli");
    if (!cookie_.empty()) {
        req.set(http::field::cookie, cookie_);
    }
    if (body) {
        req.set(http::field::content_type, "application/json");
        req.body() = body->dump();
        wipeStrings(*body);  // the serialized copy is wiped once sent
    }
    req.keep_alive(true);
    req.prepare_payload();

    // One connection for the whole command; reopened when the daemon closed it.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!connection_) {
            auto c = std::make_unique<Connection>();
            c->stream.expires_after(kRequestTimeout);
            boost::system::error_code ec;
            c->stream.connect(local::endpoint(socketPath_), ec);
            if (ec) {
                wipe(req.body());
                return connectError(socketPath_, ec);
            }
            connection_ = std::move(c);
        }
        auto& c = *connection_;
        c.stream.expires_after(kRequestTimeout);
        boost::system::error_code ec;
        http::write(c.stream, req, ec);
        http::response_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        if (!ec) {
            http::read(c.stream, c.buffer, parser, ec);
        }
        if (ec) {
            connection_.reset();
            // A kept-alive connection the daemon closed meanwhile: once more on a fresh one.
            if (attempt == 0 &&
                (ec == http::error::end_of_stream || ec == asio::error::eof ||
                 ec == asio::error::broken_pipe || ec == asio::error::connection_reset)) {
                continue;
            }
            wipe(req.body());
            return core::makeError(
                "cli.api_io", "the daemon's socket " + socketPath_ + " broke off: " + ec.message());
        }
        wipe(req.body());
        auto& res = parser.get();
        if (!res.keep_alive()) {
            connection_.reset();
        }
        for (const auto& field : res) {
            if (field.name() == http::field::set_cookie) {
                if (auto session =
                        sessionFrom(std::string_view(field.value().data(), field.value().size()))) {
                    wipe(cookie_);
                    cookie_ = std::move(*session);
                }
            }
        }
        ApiAnswer answer;
        answer.status = res.result_int();
        if (!res.body().empty()) {
            answer.body = nlohmann::json::parse(res.body(), nullptr, false);
            if (answer.body.is_discarded()) {
                answer.body = {{"error", res.body()}};
            }
        }
        wipe(res.body());
        return answer;
    }
    wipe(req.body());
    return core::makeError("cli.api_io", "the daemon's socket " + socketPath_ + " kept closing");
}

std::string pathSegment(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    return out;
}

std::string describeRefusal(const ApiAnswer& answer) {
    std::string line = "refused (" + std::to_string(answer.status) + ")";
    const auto& body = answer.body;
    if (body.is_object() && body.contains("error") && body["error"].is_string()) {
        line += ": " + body["error"].get<std::string>();
    }
    if (body.is_object() && body.contains("allowed_roles") && body["allowed_roles"].is_array()) {
        std::string roles;
        for (const auto& r : body["allowed_roles"]) {
            if (r.is_string()) {
                roles += (roles.empty() ? "" : ", ") + r.get<std::string>();
            }
        }
        line += " (allowed: " + roles + ")";
    }
    if (body.is_object() && body.contains("code") && body["code"].is_string()) {
        line += " [" + body["code"].get<std::string>() + "]";
    }
    return line;
}

}  // namespace sekimori::app
