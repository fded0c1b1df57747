#pragma once
// A REST route as a domain declares it, without the network: a method, a path pattern with
// {parameters}, the roles it admits and a handler. The console adapts these into its router
// (bmcweb style: the privilege is written where the route is registered), checks the session
// and the role before the handler runs, and records who acted.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "core/roles.hpp"

namespace sekimori::core {

enum class HttpMethod { get, post, put, patch, del };

// What a handler sees of one authenticated request.
struct ApiCall {
    std::map<std::string, std::string> params;  // from the pattern: /api/doors/{id} -> "id"
    std::map<std::string, std::string> query;   // decoded query string
    nlohmann::json body;                        // the parsed JSON body, or null when none
    std::string actor;                          // the operator's name, for the audit trail
    Role role = Role::deskOperator;
    std::string remote;  // peer address ("unix" on the local socket)
    // On the local socket (the CLI): the Unix user of the peer process (SO_PEERCRED); empty
    // over HTTPS. Recorded beside the operator in every event the call causes.
    std::string unixUser;
    // The person id linked to the operator's account (empty when none): no one may grant,
    // enroll or approve for themselves.
    std::string actorPerson;
    // Only on a RouteAuth::signedRequest route (a system, not an operator): the request as it
    // came, for the handler to check its signature — the headers (lower-case names), the
    // target with its query, and the body's exact bytes. actor and role are then unset.
    std::map<std::string, std::string> headers;
    std::string target;
    std::string rawBody;
};

// A JSON answer. 400 for bad input (message names what was wrong), 404 for an unknown id,
// 403 when forbidden, 409 on a conflict; a 500 means a bug.
struct ApiResult {
    int status = 200;
    nlohmann::json body = nlohmann::json::object();
};

// A body too large to hold at once (clips, exports, reports). `next` is called repeatedly on a
// console worker thread and returns the next chunk; an empty chunk ends the body. An error
// after the first chunk aborts the connection (the client sees a truncated transfer).
struct StreamBody {
    std::string contentType = "application/octet-stream";
    std::string fileName;  // sets Content-Disposition: attachment when not empty
    std::function<Result<std::string>()> next;
    // A signed report's HTML: one self-contained document that runs no script and loads
    // nothing. The console serves it with a policy that allows its own inline style and lets
    // the console's pages (only they) show it in a frame.
    bool selfContainedDocument = false;
};

// A body held whole but served as a file (a signed report's bytes, a key): one chunk.
inline StreamBody oneChunkBody(std::string contentType, std::string fileName, std::string bytes,
                               bool selfContainedDocument = false) {
    StreamBody body;
    body.selfContainedDocument = selfContainedDocument;
    body.contentType = std::move(contentType);
    body.fileName = std::move(fileName);
    auto data = std::make_shared<std::string>(std::move(bytes));
    auto sent = std::make_shared<bool>(false);
    body.next = [data, sent]() -> Result<std::string> {
        if (*sent) {
            return std::string();
        }
        *sent = true;
        return *data;
    };
    return body;
}

using ApiAnswer = std::variant<ApiResult, StreamBody>;
using ApiReply = std::function<void(ApiAnswer)>;
// Validates first, then answers by calling reply exactly once, now or after async work.
using ApiHandler = std::function<void(const ApiCall&, ApiReply)>;

// io: the handler only reads in-memory state of the io thread (microseconds).
// worker: the handler may block (SQLite queries, files); it runs on the console's pool and
// must not touch io-thread state.
enum class RunOn { io, worker };

// Who the console lets reach the handler. operatorSession: a logged-in operator whose role is in
// `roles`. signedRequest: a system that signs each request (the vault link, docs/vault-api.md);
// the console checks no session and hands the handler the raw request, and the handler refuses
// (401/403) whatever its own check does not admit.
enum class RouteAuth { operatorSession, signedRequest };

struct ApiRoute {
    HttpMethod method = HttpMethod::get;
    std::string pattern;  // "/api/doors/{id}"; literal segments and whole-segment {names}
    RoleSet roles;        // who may call it; never empty (ignored for a signed request)
    RunOn runOn = RunOn::io;
    ApiHandler handler;
    RouteAuth auth = RouteAuth::operatorSession;  // last: routes are written as aggregates
};

inline ApiResult apiError(int status, std::string message) {
    return ApiResult{status, nlohmann::json{{"error", std::move(message)}}};
}

}  // namespace sekimori::core
