#pragma once
// One HTTPS request to the console under test on a connection of its own (the certificate is not
// checked: the tests' is self-signed). Compiled once, in tests/console/https_client.cpp: Beast's
// TLS client is slow to instantiate, and each console test file used to do it again.
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace sekimori::console::testing {

struct Reply {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names; last value wins
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A JSON body when `body` is not empty; Cookie and Origin when given. Throws on a transport error.
Reply httpsRequest(std::uint16_t port, boost::beast::http::verb method, const std::string& target,
                   const std::string& body = "", const std::string& cookie = "",
                   const std::string& origin = "");

}  // namespace sekimori::console::testing
