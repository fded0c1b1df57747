#pragma once
// Reads one UPS through NUT's upsd (TCP 3493) on its own thread: every `poll` it sends
// `LIST VAR <ups>` on a kept connection and posts the whole pass to the executor — every
// variable upsd reported, or one error for the pass, so a pass is never half applied. Every wait
// (the connect, each reply) is bounded by the time-out, with poll() on a non-blocking socket;
// after a transport error or a malformed reply the connection is closed (the next line could
// belong to the wrong request), and the next pass reconnects after a backoff that doubles from
// the poll period up to `maxBackoff`. An `ERR` reply (DATA-STALE, DRIVER-NOT-CONNECTED,
// UNKNOWN-UPS) is a whole answer: the connection is kept and polled at the normal period.
//
// Instant commands (instcmd()) run on the same thread, before the next pass, each on a
// connection of its own (USERNAME, PASSWORD, INSTCMD, LOGOUT), so the polling connection never
// holds a login. Credentials are never logged nor put in a result's message.
//
// A dead or slow upsd delays only its own thread. The callbacks run on the executor; call stop()
// (or destroy) on the executor's thread too: it wakes the thread out of any wait, so it returns
// at once, and no callback runs after it returned (queued commands are dropped unanswered).
// A host name (not an address) is resolved with getaddrinfo(), whose own time-outs apply.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace sekimori::io::nut {

struct NutUpsSpec {
    std::string id;   // the site's UPS id, e.g. "ups-1"
    std::string ups;  // its name in upsd, e.g. "ups1"
    std::string host = "127.0.0.1";
    std::uint16_t port = 3493;
    std::chrono::milliseconds poll{2000};
    std::chrono::milliseconds timeout{1000};  // the connect, and each reply
    std::chrono::milliseconds maxBackoff{10000};
};

// Why a pass (or a command) failed; docs/nut.md says what each one means.
//   connect     refused, unreachable, no such host
//   timeout     no answer to the connect or no (whole) reply within the time-out
//   protocol    upsd answered ERR (upsdError says which: DATA-STALE, DRIVER-NOT-CONNECTED,
//               ACCESS-DENIED, ...), or a reply this client cannot read (upsdError empty)
//   unknownUps  upsd serves no UPS of that name (ERR UNKNOWN-UPS)
//   io          anything else the socket reports (upsd closed the connection, ...)
enum class NutError { none, connect, timeout, protocol, unknownUps, io };
std::string_view toString(NutError error);

struct NutPassResult {
    std::string id;                           // NutUpsSpec::id
    core::TimeUs timeUs = 0;                  // when the reply was read (or the pass failed)
    std::map<std::string, std::string> vars;  // "battery.charge" -> "100"; empty on an error
    NutError error = NutError::none;
    std::string message;    // "upsd answered ERR DATA-STALE (...)", "connection refused", ...
    std::string upsdError;  // the code of an ERR reply ("DATA-STALE"), else empty
    bool ok() const { return error == NutError::none; }
};

struct NutInstcmdResult {
    std::string id;       // NutUpsSpec::id
    std::string command;  // "load.off"
    core::TimeUs timeUs = 0;
    NutError error = NutError::none;
    std::string message;
    std::string upsdError;  // "ACCESS-DENIED", "CMD-NOT-SUPPORTED", ... when upsd refused
    bool ok() const { return error == NutError::none; }
};

class NutPoller {
  public:
    using OnPass = std::function<void(NutPassResult)>;
    using OnInstcmd = std::function<void(NutInstcmdResult)>;
    static constexpr std::size_t kMaxQueuedCommands = 8;

    // `clock` is read on the poller's thread.
    NutPoller(boost::asio::any_io_executor executor, NutUpsSpec spec, const core::Clock& clock,
              OnPass onPass);
    ~NutPoller();
    NutPoller(const NutPoller&) = delete;
    NutPoller& operator=(const NutPoller&) = delete;

    // Checks the spec (code "nut.bad_ups") and starts the thread.
    core::Result<void> start();
    // Wakes and joins the thread: returns at once, and no callback runs after it.
    void stop();
    // Queues an instant command ("load.off", "test.battery.start"); `onDone` runs on the
    // executor with upsd's OK or ERR. Refused at once, and never sent, for a name upsd would not
    // take, a missing user or password ("nut.no_credentials"), a control character in either, a
    // full queue or a stopped poller.
    core::Result<void> instcmd(std::string command, std::string user, std::string password,
                               OnInstcmd onDone);

    const NutUpsSpec& spec() const { return spec_; }

  private:
    struct Shared;
    struct QueuedCommand {
        std::string command;
        std::string user;  // already quoted for the command line
        std::string password;
        OnInstcmd onDone;
    };
    void run();
    // Empty when stop() came meanwhile.
    std::optional<NutInstcmdResult> runCommand(const QueuedCommand& queued);

    boost::asio::any_io_executor executor_;
    NutUpsSpec spec_;
    const core::Clock& clock_;
    std::shared_ptr<Shared> shared_;  // the callbacks' gate, closed by stop()
    int wakeFd_ = -1;                 // an eventfd: stop() makes every poll() return
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::deque<QueuedCommand> commands_;
    std::thread thread_;
};

}  // namespace sekimori::io::nut
