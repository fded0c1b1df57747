#pragma once
// The server's TLS settings: TLS 1.2+ only, certificate chain and private key from PEM files.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace sekimori::console {

core::Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const std::string& certFile, const std::string& keyFile);

}  // namespace sekimori::console
