#pragma once
// The CLI's side of the daemon's local socket (console/local_socket_listener.hpp): HTTP/1.1
// requests over a Unix stream socket, JSON in and out, the session cookie of the login kept
// for the requests that follow. The CLI holds no key and opens no database for writing; every
// change it asks for is checked, written and recorded by the daemon.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace sekimori::app {

enum class ApiVerb { get, post, put, patch, del };

struct ApiAnswer {
    unsigned status = 0;
    nlohmann::json body;  // the JSON answer; null when the daemon sent none
};

class ApiClient {
  public:
    explicit ApiClient(std::string socketPath);
    ~ApiClient();
    ApiClient(ApiClient&&) noexcept;
    ApiClient& operator=(ApiClient&&) noexcept;

    // One request. An error only when no answer came: "cli.daemon_down" (no socket, nothing
    // accepts), "cli.socket_denied" (this user may not connect), "cli.api_io" (the connection
    // broke). Any HTTP status is an answer. Every string of `body` and its serialized copy
    // are wiped from memory once sent (it may hold a PIN, a template or a password).
    core::Result<ApiAnswer> call(ApiVerb verb, const std::string& target,
                                 std::optional<nlohmann::json> body = std::nullopt);

    // The session from a login answer's Set-Cookie, sent with every later request.
    bool hasSession() const { return !cookie_.empty(); }
    void forgetSession();
    const std::string& socketPath() const { return socketPath_; }

  private:
    struct Connection;
    std::string socketPath_;
    std::string cookie_;  // "sekimori_session=<token>"
    std::unique_ptr<Connection> connection_;
};

// "/api/people/" + pathSegment(id): percent-encodes everything but [A-Za-z0-9-._~].
std::string pathSegment(std::string_view text);

// The HTTP refusal as one line for people: "refused (403): not permitted for role operator
// (allowed: facility_admin, security_admin)"; 400s name the field as the daemon does.
std::string describeRefusal(const ApiAnswer& answer);

}  // namespace sekimori::app
