#pragma once
// A blocking HTTPS/1.1 request to the console on loopback (a fresh connection each time): how
// the load driver's clients log in and page through /api/events after a resync. Runs on the
// calling thread; never on the server's io thread.
#include <cstdint>
#include <string>

namespace sekimori::bench {

struct HttpsReply {
    unsigned status = 0;  // 0: the request did not complete (error says why)
    std::string setCookie;
    std::string body;
    std::string error;
};

struct HttpsTarget {
    std::uint16_t port = 0;
    std::string origin;  // sent as Origin (the console wants it on POSTs)
    std::string cookie;  // "sekimori_session=..." or empty
};

HttpsReply httpsRequest(const HttpsTarget& target, const std::string& method,
                        const std::string& path, const std::string& body = "");

// Logs in; returns "sekimori_session=<token>", or empty with `error` set.
std::string loginCookie(const HttpsTarget& target, const std::string& name,
                        const std::string& password, std::string& error);

}  // namespace sekimori::bench
