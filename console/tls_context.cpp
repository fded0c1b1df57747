#include "console/tls_context.hpp"

#include <openssl/ssl.h>

namespace sekimori::console {

namespace ssl = boost::asio::ssl;

core::Result<std::shared_ptr<ssl::context>> makeServerTlsContext(const std::string& certFile,
                                                                 const std::string& keyFile) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    if (ec) {
        return core::makeError("console.tls", "TLS options: " + ec.message());
    }
    ctx->use_certificate_chain_file(certFile, ec);
    if (ec) {
        return core::makeError("console.tls", certFile + ": " + ec.message());
    }
    ctx->use_private_key_file(keyFile, ssl::context::pem, ec);
    if (ec) {
        return core::makeError("console.tls", keyFile + ": " + ec.message());
    }
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        return core::makeError("console.tls", keyFile + ": private key does not match " + certFile);
    }
    return ctx;
}

}  // namespace sekimori::console
