#pragma once
// What the console's route modules share: settings, the io thread and the pool, the database
// worker, sessions, the login limiter and failure log, the password-hash queue, the operator
// trail, the event rules and the UI plugins. It lives on the io thread; route handlers hold it
// by shared pointer, async steps by weak pointer (a reply that comes back after the console
// stopped finds it gone and is dropped).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "console/audit_status.hpp"
#include "console/event_visibility.hpp"
#include "console/login_failure_log.hpp"
#include "console/login_limiter.hpp"
#include "console/message_catalogue.hpp"
#include "console/off_io_work.hpp"
#include "console/operator_trail.hpp"
#include "console/password_work_queue.hpp"
#include "console/session_store.hpp"
#include "console/ui_plugins.hpp"
#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/log.hpp"
#include "core/site_config_model.hpp"

namespace sekimori::console {

struct AppSettings {
    std::string webRoot;                      // directory with index.html, app.js, app.css
    std::vector<std::string> allowedOrigins;  // e.g. "https://localhost:8443"
    core::TimeUs sessionIdleUs = kDefaultSessionIdleUs;
    core::TimeUs sessionLifetimeUs = kDefaultSessionLifetimeUs;
    // How often sessions are checked for expiry and against their accounts (disabled, role
    // changed, row not matching the trail), and coalesced login failures are recorded.
    std::chrono::milliseconds sweepInterval{1000};
    std::size_t passwordWorkSlots = PasswordWorkQueue::kDefaultCapacity;
    LoginLimits loginLimits;
    LoginFailureLimits loginFailureLimits;
    // The database file: CSV exports open their own read connection on the pool.
    std::string dbPath;
    // The site and its zones (GET /api/site, GET /api/me, the CSV's local times).
    core::SiteInfo site;
    std::vector<core::ZoneConfig> zones;
    // What POST /api/audit/verify runs: the pinned inputs `sekimori audit verify` gets (dbPath
    // defaults to the one above), and the witnesses GET /api/audit/status reports on.
    core::AuditVerifyOptions auditVerify;
    std::vector<WitnessWatch> witnesses;
};

class ConsoleContext {
  public:
    ConsoleContext(AppSettings settingsIn, std::unique_ptr<core::Database> database,
                   core::EventRecorder& recorderIn, const core::Clock& clockIn,
                   boost::asio::any_io_executor ioIn, boost::asio::any_io_executor poolIn)
        : settings(std::move(settingsIn)),
          recorder(recorderIn),
          clock(clockIn),
          io(std::move(ioIn)),
          pool(std::move(poolIn)),
          db(std::move(database), pool, io),
          sessions(clock, SessionLimits{settings.sessionIdleUs, settings.sessionLifetimeUs}),
          limiter(clock, settings.loginLimits),
          failures(clock, settings.loginFailureLimits),
          passwordWork(settings.passwordWorkSlots),
          sweepTimer(io) {}

    // Records an operator.* event as the console (non-blocking).
    void recordOperatorEvent(std::string type, const std::string& subject, nlohmann::json payload) {
        core::Event e;
        e.timeUs = clock.nowUs();
        e.type = std::move(type);
        e.source = "console";
        e.subject = subject;
        e.payload = payload.dump();
        recorder.record(std::move(e));
    }
    void endSessionStreams(const std::string& key) {
        if (sessionEnded) {
            sessionEnded(key);
        }
    }
    // Closes the streams of sessions that ended and records why (idle, lifetime, disabled, ...).
    void sessionsEnded(const std::string& name, const std::vector<std::string>& keys,
                       std::string_view reason) {
        for (const auto& key : keys) {
            endSessionStreams(key);
        }
        if (!keys.empty()) {
            recordOperatorEvent("operator.session_ended", name,
                                {{"reason", std::string(reason)}, {"sessions", keys.size()}});
        }
    }
    // An operator row that does not match the trail: recorded (once per row state) and logged
    // as an error — someone changed who may log in behind the daemon's back.
    void reportRowMismatch(const std::string& name, const RowTrust& trust) {
        if (!reportedMismatches.insert(name + "/" + trust.actual).second) {
            return;
        }
        if (reportedMismatches.size() > 10'000) {
            reportedMismatches.clear();  // bounded; a repeat is recorded again, never lost
        }
        core::logError("console", "operator.row_mismatch: the row of operator '" + name +
                                      "' does not match the audit trail (" +
                                      std::string(verdictName(trust.verdict)) +
                                      "); it may not log in");
        recordOperatorEvent("operator.row_mismatch", name,
                            {{"name", name},
                             {"table", operatorsTable().table},
                             {"verdict", std::string(verdictName(trust.verdict))},
                             {"actual", trust.actual},
                             {"expected", trust.expected},
                             {"recorded_seq", trust.seq}});
    }

    AppSettings settings;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    boost::asio::any_io_executor io;
    boost::asio::any_io_executor pool;
    DbWorker db;
    SessionStore sessions;
    LoginLimiter limiter;
    LoginFailureLog failures;
    PasswordWorkQueue passwordWork;
    // Used on the database strand only (inside db.run jobs).
    std::shared_ptr<OperatorTrail> trail = std::make_shared<OperatorTrail>();
    EventVisibilityRules visibility;
    UiPlugins plugins;
    // Built once at start from the web root's and the plugins' messages.json; read-only after.
    MessageCatalogue catalogue;
    // The newest audit.verified as /api/audit/status shows it, once read or made here.
    std::optional<nlohmann::json> lastVerify;
    bool verifyRunning = false;
    boost::asio::steady_timer sweepTimer;
    bool accountCheckRunning = false;
    std::set<std::string> reportedMismatches;
    // Called with a session key when that session ends, to close its WebSockets.
    std::function<void(const std::string&)> sessionEnded;
    // Unknown names are verified against this hash so timing does not reveal them; made on
    // the pool at the first login.
    struct DummyHash {
        std::once_flag once;
        std::string hash;
    };
    std::shared_ptr<DummyHash> dummyHash = std::make_shared<DummyHash>();
};

}  // namespace sekimori::console
