#pragma once
// The daemon's local door for the CLI: HTTP/1.1 over a Unix stream socket, by default
// <data_dir>/sekimori.sock, mode 0660 (the daemon's user and group may connect; what a
// connection may then do is decided by the operator login, exactly as over HTTPS). The
// kernel names each peer (SO_PEERCRED); its Unix user is recorded beside the operator in
// every event the request causes.
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_route.hpp"
#include "core/result.hpp"

namespace sekimori::console {

// The process at the other end of a local-socket connection.
struct UnixPeer {
    uid_t uid = 0;
    std::string user;  // its passwd name, or "uid-<n>" when the uid has none
};
core::Result<UnixPeer> peerOf(boost::asio::local::stream_protocol::socket& socket);

// The remote the console records for a request on the local socket, "unix:<user>", and back:
// the Unix user of such a remote, nothing for an IP address.
std::string localRemote(std::string_view user);
std::optional<std::string> unixUserOf(std::string_view remote);
// Sets call.remote and call.unixUser from a request's remote: "unix" and the peer's user on
// the local socket, the address (and no user) otherwise. Every ApiCall the console builds for
// a request goes through it, so the trail never loses the Unix user.
void setCallPeer(core::ApiCall& call, std::string_view remote);

// The longest path a Unix socket address holds (sun_path without its terminating NUL).
std::size_t maxLocalSocketPath();

class LocalSocketListener {
  public:
    using Socket = boost::asio::local::stream_protocol::socket;
    using OnConnection = std::function<void(Socket socket, UnixPeer peer)>;

    // Binds and listens on `path`, then sets its mode to 0660. An error names the path when it
    // is longer than maxLocalSocketPath(), when it is something other than a socket (never
    // removed), or when a daemon already answers on it; a socket file left by a daemon that
    // died is replaced.
    static core::Result<std::unique_ptr<LocalSocketListener>> open(boost::asio::io_context& io,
                                                                   std::string path);
    ~LocalSocketListener();
    LocalSocketListener(const LocalSocketListener&) = delete;
    LocalSocketListener& operator=(const LocalSocketListener&) = delete;

    // Accepts until stop(); each connection whose peer the kernel names goes to `onConnection`
    // on the io thread.
    void start(OnConnection onConnection);
    // Stops accepting and removes the socket file (when it is still the one this bound).
    // Idempotent.
    void stop();
    const std::string& path() const { return path_; }

  private:
    LocalSocketListener(boost::asio::io_context& io, std::string path);
    void doAccept();

    boost::asio::io_context& io_;
    std::string path_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    OnConnection onConnection_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    bool bound_ = false;
    // Pending accept handlers hold a weak copy: after destruction they must not touch `this`.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::console
