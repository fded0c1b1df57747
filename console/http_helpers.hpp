#pragma once
// Small pieces every console route shares: splitting and decoding the target, cookies, the
// JSON error shape, query checks, the security headers (HSTS among them) and turning an ApiResponse
// into what the network layer writes.
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "console/http_types.hpp"
#include "core/result.hpp"

namespace sekimori::console {

inline constexpr int kMaxListLimit = 1000;
inline constexpr int kDefaultListLimit = 100;
// Strict-Transport-Security on every response (one year; the console's host only).
inline constexpr std::string_view kHstsValue = "max-age=31536000";

// What an answer must repeat of its request, captured before any async step.
struct ReplyShape {
    unsigned version = 11;
    bool keepAlive = false;
    bool head = false;  // a HEAD request: headers only
};
ReplyShape shapeOf(const HttpRequest& request);

// "/a/b?x=1" -> {"/a/b", "x=1"}.
std::pair<std::string, std::string> splitTarget(std::string_view target);
// %XX decoding (and '+' as a space when `plusIsSpace`); an error for a bad escape or a
// decoded control character.
core::Result<std::string> percentDecode(std::string_view text, bool plusIsSpace);
// "a=1&b=x%20y" -> {a: "1", b: "x y"}; an error names the bad parameter.
core::Result<std::map<std::string, std::string>> parseQuery(std::string_view query);

std::string cookieValue(const HttpRequest& request, std::string_view name);

// {"error": message, "code": code}: `code` is what the shell looks up as error.<code> in the
// message catalogue (console/web/messages.json); the overload without one names the status
// (errorCodeFor).
ApiResponse jsonError(http::status status, std::string message);
ApiResponse jsonError(http::status status, std::string_view code, std::string message);
// bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict,
// payload_too_large, too_many_requests, unavailable; internal for every other status.
std::string_view errorCodeFor(http::status status);
// Adds "code" (from the status) to an error body that lacks one: a service's answer.
void ensureErrorCode(ApiResponse& response);
// Logs the error (someone must act: a 500 is a bug) and answers "internal error".
ApiResponse internalError(const core::Error& error);
// 400 naming the first query parameter not in `known`.
std::optional<ApiResponse> rejectUnknownQuery(const ApiRequest& request,
                                              std::initializer_list<std::string_view> known);
// limit=N with 1 <= N <= kMaxListLimit; absent means kDefaultListLimit.
std::variant<int, ApiResponse> parseLimit(const ApiRequest& request);

void applySecurityHeaders(http::response_header<>& response, bool isApi);
HttpResponse toHttp(ReplyShape shape, ApiResponse api);
// toHttp, or the streamed form when api.stream is set.
ConsoleAnswer toAnswer(ReplyShape shape, ApiResponse api);
HttpResponse plainText(ReplyShape shape, http::status status, std::string text);

}  // namespace sekimori::console
