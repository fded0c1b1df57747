#pragma once
// What the console's route modules share: settings, the io thread and the pool, the database
// worker, sessions, the login limiter, the event rules and the UI plugins. It lives on the io
// thread; route handlers hold it by shared pointer, async steps by weak pointer (a reply that
// comes back after the console stopped finds it gone and is dropped).
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "console/event_visibility.hpp"
#include "console/login_limiter.hpp"
#include "console/off_io_work.hpp"
#include "console/session_store.hpp"
#include "console/ui_plugins.hpp"
#include "core/clock.hpp"
#include "core/event_recorder.hpp"

namespace sekimori::console {

struct AppSettings {
    std::string webRoot;                      // directory with index.html, app.js, app.css
    std::vector<std::string> allowedOrigins;  // e.g. "https://localhost:8443"
    core::TimeUs sessionIdleUs = kDefaultSessionIdleUs;
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
          sessions(clock, settings.sessionIdleUs),
          limiter(clock) {}

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

    AppSettings settings;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    boost::asio::any_io_executor io;
    boost::asio::any_io_executor pool;
    DbWorker db;
    SessionStore sessions;
    LoginLimiter limiter;
    EventVisibilityRules visibility;
    UiPlugins plugins;
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
