#pragma once
// The console under load, as the daemon runs it: a real ConsoleServer on its own io thread with
// the real AuditedRecorder on a temporary SQLite database (WAL, synchronous=FULL), a
// self-signed certificate (scripts/make-cert), the shell from console/web, and operator accounts
// the trail names. A small service declares who may see the feed's access.* events, as
// doors::DoorsService does. The directory is removed when the site ends.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "console/console_server.hpp"
#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/result.hpp"

namespace sekimori::bench {

struct LiveSiteOptions {
    std::string sourceDir;  // the checkout: scripts/make-cert and console/web
    bool keepDirectory = false;
};

class LiveSite {
  public:
    // Accounts: "load-desk" (every stream client logs in with it, each with its own session)
    // and "load-browser", both of the operator role.
    static core::Result<std::unique_ptr<LiveSite>> create(const LiveSiteOptions& options);
    ~LiveSite();
    LiveSite(const LiveSite&) = delete;
    LiveSite& operator=(const LiveSite&) = delete;

    std::uint16_t port() const { return port_; }
    std::string origin() const { return "https://localhost:" + std::to_string(port_); }
    const std::string& password(const std::string& account) const { return passwords_.at(account); }
    const std::string& directory() const { return dir_; }
    boost::asio::io_context& io() { return io_; }
    core::EventBus& bus() { return bus_; }
    core::AuditedRecorder& recorder() { return *recorder_; }
    std::size_t liveStreams() const { return server_->liveStreams(); }

  private:
    class FeedVisibility;
    LiveSite() = default;
    core::Result<void> build(const LiveSiteOptions& options);

    std::string dir_;
    bool keep_ = false;
    std::map<std::string, std::string> passwords_;
    core::SystemClock clock_;
    core::EventBus bus_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
        boost::asio::make_work_guard(io_);
    std::unique_ptr<core::AuditedRecorder> recorder_;
    std::unique_ptr<FeedVisibility> visibility_;
    std::unique_ptr<console::ConsoleServer> server_;
    std::thread ioThread_;
    std::uint16_t port_ = 0;
};

}  // namespace sekimori::bench
