#include "console/local_socket_listener.hpp"

#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/log.hpp"

namespace sekimori::console {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

constexpr std::string_view kLocalPrefix = "unix:";
constexpr mode_t kSocketMode = 0660;

core::Error listenError(const std::string& path, const std::string& why) {
    return core::makeError("console.local_socket", "local socket " + path + ": " + why);
}

std::string userName(uid_t uid) {
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd entry{};
    passwd* found = nullptr;
    while (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == ERANGE) {
        buffer.resize(buffer.size() * 2);
    }
    if (found == nullptr || found->pw_name == nullptr || *found->pw_name == '\0') {
        return "uid-" + std::to_string(uid);
    }
    return found->pw_name;
}

// A socket file is stale when nothing accepts on it any more (its daemon died without
// removing it). Connecting is the only way to tell: a live daemon answers.
core::Result<void> removeStaleSocket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            return {};
        }
        return listenError(path, std::strerror(errno));
    }
    if (!S_ISSOCK(st.st_mode)) {
        return listenError(path, "exists and is not a socket; not replacing it");
    }
    asio::io_context probeIo;
    local::socket probe(probeIo);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path), ec);
    if (!ec) {
        return listenError(path, "another daemon is listening on it");
    }
    if (ec != asio::error::connection_refused) {
        return listenError(path, "cannot tell whether it is in use: " + ec.message());
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return listenError(path,
                           std::string("cannot remove the stale socket: ") + std::strerror(errno));
    }
    core::logInfo("console", "replaced the stale local socket " + path);
    return {};
}

}  // namespace

core::Result<UnixPeer> peerOf(local::socket& socket) {
    ucred credentials{};
    socklen_t length = sizeof(credentials);
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
        return core::makeError("console.peer", std::string("SO_PEERCRED: ") + std::strerror(errno));
    }
    return UnixPeer{credentials.uid, userName(credentials.uid)};
}

std::string localRemote(std::string_view user) {
    return std::string(kLocalPrefix) + std::string(user);
}

std::optional<std::string> unixUserOf(std::string_view remote) {
    if (!remote.starts_with(kLocalPrefix)) {
        return std::nullopt;
    }
    return std::string(remote.substr(kLocalPrefix.size()));
}

void setCallPeer(core::ApiCall& call, std::string_view remote) {
    if (auto user = unixUserOf(remote)) {
        call.remote = "unix";
        call.unixUser = std::move(*user);
    } else {
        call.remote = std::string(remote);
        call.unixUser.clear();
    }
}

std::size_t maxLocalSocketPath() {
    return sizeof(sockaddr_un::sun_path) - 1;
}

LocalSocketListener::LocalSocketListener(asio::io_context& io, std::string path)
    : io_(io), path_(std::move(path)), acceptor_(io) {}

core::Result<std::unique_ptr<LocalSocketListener>> LocalSocketListener::open(asio::io_context& io,
                                                                             std::string path) {
    if (path.empty()) {
        return listenError(path, "no path given");
    }
    if (path.size() > maxLocalSocketPath()) {
        return listenError(path, "the path is " + std::to_string(path.size()) +
                                     " bytes; a Unix socket address holds at most " +
                                     std::to_string(maxLocalSocketPath()) +
                                     " (choose a shorter data_dir)");
    }
    if (auto r = removeStaleSocket(path); !r) {
        return r.error();
    }
    std::unique_ptr<LocalSocketListener> listener(new LocalSocketListener(io, path));
    boost::system::error_code ec;
    auto& acceptor = listener->acceptor_;
    acceptor.open(local(), ec);
    if (!ec) {
        acceptor.bind(local::endpoint(path), ec);
    }
    if (ec) {
        return listenError(path, ec.message());
    }
    struct stat st {};
    if (::chmod(path.c_str(), kSocketMode) != 0 || ::stat(path.c_str(), &st) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(path.c_str());
        return listenError(path, "cannot set mode 0660: " + why);
    }
    listener->device_ = st.st_dev;
    listener->inode_ = st.st_ino;
    listener->bound_ = true;
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return listenError(path, ec.message());  // the destructor removes the file
    }
    return listener;
}

LocalSocketListener::~LocalSocketListener() {
    stop();
}

void LocalSocketListener::start(OnConnection onConnection) {
    onConnection_ = std::move(onConnection);
    doAccept();
}

void LocalSocketListener::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (!bound_) {
        return;
    }
    bound_ = false;
    // A daemon started after this one may have replaced the file with its own socket.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_) {
        ::unlink(path_.c_str());
    }
}

void LocalSocketListener::doAccept() {
    if (!acceptor_.is_open()) {
        return;
    }
    acceptor_.async_accept(io_, [this, alive = std::weak_ptr<int>(alive_)](
                                    boost::system::error_code ec, local::socket socket) {
        if (alive.expired() || ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            return;  // stopped
        }
        if (!ec) {
            auto peer = peerOf(socket);
            if (peer) {
                onConnection_(std::move(socket), std::move(*peer));
            } else {
                core::logWarning("console", "local socket: " + peer.error().message);
            }
        }
        doAccept();
    });
}

}  // namespace sekimori::console
