#include "io/nut/nut_poller.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "io/nut/nut_protocol.hpp"

namespace sekimori::io::nut {

struct NutPoller::Shared {
    std::mutex mutex;
    OnPass onPass;  // empty once stopped
    bool stopped = false;
};

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// What one step on the wire came to: nothing wrong, an error for the result, or stop().
struct Outcome {
    NutError error = NutError::none;
    std::string message;
    bool stopped = false;
    bool ok() const { return error == NutError::none && !stopped; }
    static Outcome fail(NutError error, std::string message) {
        Outcome o;
        o.error = error;
        o.message = std::move(message);
        return o;
    }
    static Outcome stop() {
        Outcome o;
        o.stopped = true;
        return o;
    }
};

std::string errnoText(int code) {
    return std::strerror(code);
}

std::string msText(std::chrono::milliseconds ms) {
    return std::to_string(ms.count()).append(" ms");
}

// One TCP connection to upsd: non-blocking, every wait bounded by a deadline and broken by the
// poller's wake fd.
class Connection {
  public:
    explicit Connection(int wakeFd) : wakeFd_(wakeFd) {}
    ~Connection() { close(); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool open() const { return fd_ >= 0; }
    // LOGOUT without waiting for upsd's answer, then close: upsd logs a logout, not a drop.
    void logout() {
        if (fd_ >= 0) {
            static constexpr char kBye[] = "LOGOUT\n";
            [[maybe_unused]] const auto n =
                ::send(fd_, kBye, sizeof kBye - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        close();
    }
    void close() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
        buffer_.clear();
    }

    Outcome connect(const std::string& host, std::uint16_t port,
                    std::chrono::milliseconds timeout) {
        close();
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo* found = nullptr;
        const std::string service = std::to_string(port);
        const std::string where = std::string(host).append(":").append(service);
        if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
            return Outcome::fail(NutError::connect,
                                 std::string(::gai_strerror(rc)).append(" (").append(where) + ")");
        }
        std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
        const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
        Outcome last = Outcome::fail(NutError::connect, "no address for " + where);
        for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
            const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                    a->ai_protocol);
            if (fd < 0) {
                last = Outcome::fail(NutError::io, errnoText(errno));
                continue;
            }
            if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
                last = Outcome::fail(NutError::connect,
                                     errnoText(errno).append(" (").append(where) + ")");
                ::close(fd);
                continue;
            }
            fd_ = fd;
            const Outcome waited = wait(POLLOUT, deadline);
            if (waited.stopped) {
                close();
                return waited;
            }
            if (!waited.ok() && waited.error != NutError::timeout) {
                close();
                return waited;
            }
            if (!waited.ok()) {
                close();
                return Outcome::fail(NutError::timeout, "no answer to the connect to " + where +
                                                            " within " + msText(timeout));
            }
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error != 0) {
                close();
                last = Outcome::fail(NutError::connect,
                                     errnoText(error).append(" (").append(where) + ")");
                continue;
            }
            const int one = 1;
            ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return {};
        }
        return last;
    }

    // Sends one command line ("\n" added).
    Outcome send(const std::string& line, SteadyTime deadline) {
        const std::string out = line + "\n";
        std::size_t sent = 0;
        while (sent < out.size()) {
            const ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (auto w = wait(POLLOUT, deadline); !w.ok()) {
                    return w.stopped ? w
                                     : Outcome::fail(NutError::timeout,
                                                     "upsd took no request within the time-out");
                }
                continue;
            }
            return Outcome::fail(NutError::io, "sending to upsd: " + errnoText(errno));
        }
        return {};
    }

    // Reads one reply line (without "\n" or "\r\n") by `deadline`.
    Outcome readLine(std::string& line, SteadyTime deadline, std::chrono::milliseconds timeout) {
        for (;;) {
            if (const auto end = buffer_.find('\n'); end != std::string::npos) {
                line.assign(buffer_, 0, end);
                buffer_.erase(0, end + 1);
                if (!line.empty() && line.back() == '\r') {
                    line.pop_back();
                }
                if (line.size() > kMaxLineBytes) {
                    return Outcome::fail(NutError::protocol, longLine());
                }
                return {};
            }
            if (buffer_.size() > kMaxLineBytes + 1) {
                return Outcome::fail(NutError::protocol, longLine());
            }
            if (auto w = wait(POLLIN, deadline); !w.ok()) {
                return w.stopped ? w
                                 : Outcome::fail(NutError::timeout,
                                                 "no reply from upsd within " + msText(timeout));
            }
            char chunk[4096];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n > 0) {
                buffer_.append(chunk, static_cast<std::size_t>(n));
            } else if (n == 0) {
                return Outcome::fail(NutError::io, "upsd closed the connection");
            } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
                return Outcome::fail(NutError::io, "reading from upsd: " + errnoText(errno));
            }
        }
    }

  private:
    static std::string longLine() {
        return std::string("a reply line longer than ")
            .append(std::to_string(kMaxLineBytes))
            .append(" bytes");
    }

    // Waits for `events` on the socket; fails on the deadline, stops on the wake fd.
    Outcome wait(short events, SteadyTime deadline) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return Outcome::fail(NutError::timeout, "time-out");
            }
            pollfd fds[2] = {{fd_, events, 0}, {wakeFd_, POLLIN, 0}};
            const int n = ::poll(fds, 2, static_cast<int>(left.count()) + 1);
            if (n < 0 && errno != EINTR) {
                return Outcome::fail(NutError::io, "poll: " + errnoText(errno));
            }
            if (n > 0 && (fds[1].revents & POLLIN) != 0) {
                return Outcome::stop();
            }
            if (n > 0 && fds[0].revents != 0) {
                return {};  // ready, or an error the next call reports
            }
        }
    }

    int wakeFd_;
    int fd_ = -1;
    std::string buffer_;
};

Outcome fromUpsdError(NutError& error, std::string& upsdCode, std::string_view line,
                      std::string_view what) {
    const auto err = parseErr(line);
    upsdCode = err->code;
    error = err->code == "UNKNOWN-UPS" ? NutError::unknownUps : NutError::protocol;
    return Outcome::fail(error, std::string(what)
                                    .append(": upsd answered ERR ")
                                    .append(err->code)
                                    .append(" (")
                                    .append(describeErr(err->code))
                                    .append(")"));
}

}  // namespace

std::string_view toString(NutError error) {
    switch (error) {
        case NutError::none:
            return "none";
        case NutError::connect:
            return "connect";
        case NutError::timeout:
            return "timeout";
        case NutError::protocol:
            return "protocol";
        case NutError::unknownUps:
            return "unknown_ups";
        case NutError::io:
            return "io";
    }
    return "io";
}

NutPoller::NutPoller(boost::asio::any_io_executor executor, NutUpsSpec spec,
                     const core::Clock& clock, OnPass onPass)
    : executor_(std::move(executor)),
      spec_(std::move(spec)),
      clock_(clock),
      shared_(std::make_shared<Shared>()) {
    shared_->onPass = std::move(onPass);
}

NutPoller::~NutPoller() {
    stop();
    if (wakeFd_ >= 0) {
        ::close(wakeFd_);
    }
}

core::Result<void> NutPoller::start() {
    const auto bad = [&](std::string what) {
        return core::makeError("nut.bad_ups", "UPS '" + spec_.id + "': " + what);
    };
    if (spec_.id.empty()) {
        return core::makeError("nut.bad_ups", "a UPS without an id");
    }
    if (!isValidName(spec_.ups)) {
        return bad("the upsd name '" + spec_.ups + "' is not 1..64 of [A-Za-z0-9._-]");
    }
    if (spec_.host.empty() || spec_.port == 0) {
        return bad("no upsd host or port");
    }
    if (spec_.timeout.count() <= 0 || spec_.timeout >= spec_.poll) {
        return bad("the time-out must be positive and shorter than the poll period");
    }
    if (spec_.maxBackoff < spec_.poll) {
        return bad("the longest backoff must not be shorter than the poll period");
    }
    if (thread_.joinable()) {
        return bad("the poller is already started");
    }
    if (wakeFd_ < 0) {
        wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wakeFd_ < 0) {
            return core::makeError("nut.io", "eventfd: " + errnoText(errno));
        }
    }
    thread_ = std::thread([this] { run(); });
    return {};
}

void NutPoller::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        commands_.clear();
    }
    wake_.notify_all();
    if (wakeFd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(wakeFd_, &one, sizeof one);
    }
    if (thread_.joinable()) {
        thread_.join();
    }
    std::lock_guard lock(shared_->mutex);
    shared_->onPass = nullptr;
    shared_->stopped = true;
}

core::Result<void> NutPoller::instcmd(std::string command, std::string user, std::string password,
                                      OnInstcmd onDone) {
    if (!isValidName(command)) {
        return core::makeError("nut.bad_command",
                               "'" + command + "' is not an instant command name upsd takes");
    }
    if (user.empty() || password.empty()) {
        return core::makeError("nut.no_credentials",
                               "no upsd user and password are configured for UPS '" + spec_.id +
                                   "': instant commands need them (upsd.users)");
    }
    auto quotedUser = quoteArgument(user);
    auto quotedPassword = quoteArgument(password);
    if (!quotedUser || !quotedPassword) {
        // Says which, never what: the credentials stay out of every message.
        return core::makeError("nut.bad_credentials",
                               std::string("the upsd ")
                                   .append(!quotedUser ? "user" : "password")
                                   .append(" for UPS '")
                                   .append(spec_.id)
                                   .append("' holds a control character or is too long"));
    }
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !thread_.joinable()) {
            return core::makeError("nut.stopped",
                                   "the poller of UPS '" + spec_.id + "' is not running");
        }
        if (commands_.size() >= kMaxQueuedCommands) {
            return core::makeError("nut.busy", std::string("UPS '")
                                                   .append(spec_.id)
                                                   .append("' already has ")
                                                   .append(std::to_string(kMaxQueuedCommands))
                                                   .append(" commands queued"));
        }
        QueuedCommand queued;
        queued.command = std::move(command);
        queued.user = std::move(*quotedUser);
        queued.password = std::move(*quotedPassword);
        queued.onDone = std::move(onDone);
        commands_.push_back(std::move(queued));
    }
    wake_.notify_all();
    return {};
}

std::optional<NutInstcmdResult> NutPoller::runCommand(const QueuedCommand& queued) {
    NutInstcmdResult result;
    result.id = spec_.id;
    result.command = queued.command;
    Connection conn(wakeFd_);
    Outcome outcome = conn.connect(spec_.host, spec_.port, spec_.timeout);
    // Each step: send a line, read one reply line that must be OK.
    const auto step = [&](const std::string& line, std::string_view what) {
        const SteadyTime deadline = std::chrono::steady_clock::now() + spec_.timeout;
        Outcome o = conn.send(line, deadline);
        std::string reply;
        if (o.ok()) {
            o = conn.readLine(reply, deadline, spec_.timeout);
        }
        if (!o.ok()) {
            if (!o.stopped) {
                o.message = std::string(what).append(": ").append(o.message);
            }
            return o;
        }
        if (parseErr(reply)) {
            return fromUpsdError(result.error, result.upsdError, reply, what);
        }
        if (auto ok = parseOk(reply); !ok) {
            return Outcome::fail(NutError::protocol,
                                 std::string(what).append(": ").append(ok.error().message));
        }
        return Outcome{};
    };
    if (outcome.ok()) {
        outcome = step("USERNAME " + queued.user, "USERNAME");
    }
    if (outcome.ok()) {
        outcome = step("PASSWORD " + queued.password, "PASSWORD");
    }
    if (outcome.ok()) {
        outcome = step("INSTCMD " + spec_.ups + " " + queued.command, "INSTCMD " + queued.command);
    }
    conn.logout();  // upsd's answer would not change the command's result
    if (outcome.stopped) {
        return std::nullopt;
    }
    result.error = outcome.error;
    result.message = outcome.message;
    result.timeUs = clock_.nowUs();
    return result;
}

void NutPoller::run() {
    Connection conn(wakeFd_);
    std::chrono::milliseconds backoff{0};
    auto next = std::chrono::steady_clock::now();
    const auto post = [this](auto fn) { boost::asio::post(executor_, std::move(fn)); };
    for (;;) {
        std::deque<QueuedCommand> commands;
        {
            std::lock_guard lock(mutex_);
            commands.swap(commands_);
        }
        for (auto& queued : commands) {
            auto done = runCommand(queued);
            if (!done) {
                return;  // stop() came: nothing more is posted
            }
            post([shared = shared_, onDone = std::move(queued.onDone),
                  result = std::move(*done)]() mutable {
                {
                    std::lock_guard lock(shared->mutex);
                    if (shared->stopped) {
                        return;
                    }
                }
                if (onDone) {
                    onDone(std::move(result));
                }
            });
        }

        NutPassResult pass;
        pass.id = spec_.id;
        Outcome outcome;
        if (!conn.open()) {
            outcome = conn.connect(spec_.host, spec_.port, spec_.timeout);
        }
        if (outcome.ok()) {
            const SteadyTime deadline = std::chrono::steady_clock::now() + spec_.timeout;
            outcome = conn.send("LIST VAR " + spec_.ups, deadline);
            ListVarReader reader(spec_.ups);
            std::string line;
            bool first = true;
            while (outcome.ok() && !reader.done()) {
                outcome = conn.readLine(line, deadline, spec_.timeout);
                if (!outcome.ok()) {
                    break;
                }
                if (first && parseErr(line)) {
                    // A whole answer: the connection stays in step.
                    outcome =
                        fromUpsdError(pass.error, pass.upsdError, line, "LIST VAR " + spec_.ups);
                    break;
                }
                first = false;
                if (auto fed = reader.feed(line); !fed) {
                    outcome = Outcome::fail(NutError::protocol, fed.error().message);
                }
            }
            if (outcome.ok()) {
                pass.vars = reader.takeVars();
            } else if (pass.upsdError.empty()) {
                conn.close();  // a late or partial reply would answer the next request
            }
        }
        if (outcome.stopped) {
            break;
        }
        pass.error = outcome.error;
        pass.message = outcome.message;
        pass.timeUs = clock_.nowUs();
        const bool failed = !pass.ok();
        post([shared = shared_, pass = std::move(pass)]() mutable {
            OnPass onPass;
            {
                std::lock_guard lock(shared->mutex);
                onPass = shared->onPass;
            }
            if (onPass) {
                onPass(std::move(pass));
            }
        });
        if (failed && !conn.open()) {
            backoff = backoff.count() == 0 ? spec_.poll : std::min(backoff * 2, spec_.maxBackoff);
        } else {
            backoff = std::chrono::milliseconds(0);
        }
        // A pass longer than the period starts the next one now: no burst to catch up.
        const auto now = std::chrono::steady_clock::now();
        next = std::max({next + spec_.poll, now, now + backoff});
        std::unique_lock lock(mutex_);
        // A queued command starts the next round at once: it runs first, then a pass.
        if (wake_.wait_until(lock, next, [this] { return stopping_ || !commands_.empty(); }) &&
            stopping_) {
            break;
        }
    }
    conn.logout();
}

}  // namespace sekimori::io::nut
