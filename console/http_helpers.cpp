#include "console/http_helpers.hpp"

#include <charconv>

#include "core/log.hpp"

namespace sekimori::console {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Content-Disposition needs a quoted file name; anything outside a safe set becomes '_'.
std::string attachmentName(std::string_view name) {
    std::string out;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        out.push_back(ok ? c : '_');
    }
    return out;
}

}  // namespace

ReplyShape shapeOf(const HttpRequest& request) {
    return ReplyShape{request.version(), request.keep_alive(),
                      request.method() == http::verb::head};
}

std::pair<std::string, std::string> splitTarget(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {std::string(target), ""};
    }
    return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

core::Result<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return core::makeError("console.bad_escape", "incomplete %-escape");
            }
            const int hi = hexValue(text[i + 1]);
            const int lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return core::makeError("console.bad_escape", "bad %-escape");
            }
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            c = ' ';
        }
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return core::makeError("console.bad_escape", "control character");
        }
        out.push_back(c);
    }
    return out;
}

core::Result<std::map<std::string, std::string>> parseQuery(std::string_view query) {
    std::map<std::string, std::string> out;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        if (!part.empty()) {
            const auto eq = part.find('=');
            auto key = percentDecode(part.substr(0, eq), true);
            if (!key) {
                return core::makeError("console.bad_query",
                                       "query: " + key.error().message + " in a parameter name");
            }
            auto value = percentDecode(
                eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
            if (!value) {
                return core::makeError("console.bad_query",
                                       *key + ": " + value.error().message + " in the value");
            }
            out[std::move(*key)] = std::move(*value);
        }
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    return out;
}

std::string cookieValue(const HttpRequest& request, std::string_view name) {
    for (auto it = request.find(http::field::cookie); it != request.end(); ++it) {
        if (it->name() != http::field::cookie) {
            break;
        }
        std::string_view header(it->value().data(), it->value().size());
        while (!header.empty()) {
            const auto semi = header.find(';');
            auto part = header.substr(0, semi);
            while (!part.empty() && part.front() == ' ') {
                part.remove_prefix(1);
            }
            const auto eq = part.find('=');
            if (eq != std::string_view::npos && part.substr(0, eq) == name) {
                return std::string(part.substr(eq + 1));
            }
            header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        }
    }
    return {};
}

std::string_view errorCodeFor(http::status status) {
    switch (status) {
        case http::status::bad_request:
            return "bad_request";
        case http::status::unauthorized:
            return "unauthorized";
        case http::status::forbidden:
            return "forbidden";
        case http::status::not_found:
            return "not_found";
        case http::status::method_not_allowed:
            return "method_not_allowed";
        case http::status::conflict:
            return "conflict";
        case http::status::payload_too_large:
            return "payload_too_large";
        case http::status::too_many_requests:
            return "too_many_requests";
        case http::status::service_unavailable:
            return "unavailable";
        default:
            return "internal";
    }
}

ApiResponse jsonError(http::status status, std::string message) {
    return jsonError(status, errorCodeFor(status), std::move(message));
}

ApiResponse jsonError(http::status status, std::string_view code, std::string message) {
    ApiResponse r;
    r.status = status;
    r.body = {{"error", std::move(message)}, {"code", std::string(code)}};
    return r;
}

void ensureErrorCode(ApiResponse& response) {
    if (static_cast<unsigned>(response.status) < 400 || !response.body.is_object() ||
        response.body.contains("code")) {
        return;
    }
    response.body["code"] = std::string(errorCodeFor(response.status));
}

ApiResponse internalError(const core::Error& e) {
    core::logError("console", e.code + ": " + e.message);
    return jsonError(http::status::internal_server_error, "internal", "internal error");
}

std::optional<ApiResponse> rejectUnknownQuery(const ApiRequest& request,
                                              std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : request.query) {
        bool ok = false;
        for (auto k : known) {
            ok = ok || key == k;
        }
        if (!ok) {
            return jsonError(http::status::bad_request, "unknown_parameter",
                             "unknown query parameter '" + key + "'");
        }
    }
    return std::nullopt;
}

std::variant<int, ApiResponse> parseLimit(const ApiRequest& request) {
    auto it = request.query.find("limit");
    if (it == request.query.end()) {
        return kDefaultListLimit;
    }
    int value = 0;
    const auto& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 1 ||
        value > kMaxListLimit) {
        return jsonError(http::status::bad_request, "bad_limit",
                         "limit: must be an integer from 1 to " + std::to_string(kMaxListLimit));
    }
    return value;
}

void applySecurityHeaders(http::response_header<>& response, bool isApi) {
    response.set(http::field::server, "sekimori-console");
    // The console only speaks HTTPS: browsers must never try it (or a look-alike) over HTTP.
    response.set(http::field::strict_transport_security,
                 boost::beast::string_view(kHstsValue.data(), kHstsValue.size()));
    response.set("Content-Security-Policy",
                 "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
    response.set(http::field::cache_control, isApi ? "no-store" : "no-cache");
}

HttpResponse toHttp(ReplyShape shape, ApiResponse api) {
    HttpResponse res{api.status, shape.version};
    res.set(http::field::content_type, "application/json");
    applySecurityHeaders(res, true);
    for (auto& [k, v] : api.headers) {
        res.insert(k, v);
    }
    res.keep_alive(shape.keepAlive);
    res.body() = api.jsonText ? *api.jsonText : api.body.dump();
    res.prepare_payload();
    return res;
}

ConsoleAnswer toAnswer(ReplyShape shape, ApiResponse api) {
    if (!api.stream) {
        return toHttp(shape, std::move(api));
    }
    if (!api.stream->next) {
        return toHttp(shape, internalError(core::makeError("console.stream",
                                                           "a stream body without a source")));
    }
    StreamedResponse out;
    out.head = http::response<http::empty_body>{http::status::ok, shape.version};
    out.head.set(http::field::content_type, api.stream->contentType);
    if (!api.stream->fileName.empty()) {
        out.head.set(http::field::content_disposition,
                     "attachment; filename=\"" + attachmentName(api.stream->fileName) + "\"");
    }
    applySecurityHeaders(out.head, true);
    if (api.stream->selfContainedDocument) {
        // Its own inline style, nothing loaded, no script; framed by the console's pages only.
        out.head.set("Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                     "frame-ancestors 'self'; base-uri 'none'; form-action 'none'");
        out.head.set("X-Frame-Options", "SAMEORIGIN");
    }
    for (auto& [k, v] : api.headers) {
        out.head.insert(k, v);
    }
    out.head.keep_alive(shape.keepAlive);
    out.head.chunked(true);
    out.next = std::move(api.stream->next);
    return out;
}

HttpResponse plainText(ReplyShape shape, http::status status, std::string text) {
    HttpResponse res{status, shape.version};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    applySecurityHeaders(res, false);
    res.keep_alive(shape.keepAlive);
    res.body() = std::move(text);
    res.prepare_payload();
    return res;
}

}  // namespace sekimori::console
