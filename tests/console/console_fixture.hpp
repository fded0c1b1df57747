#pragma once
// A real ConsoleServer on loopback (own io thread, manual clock, temp DB and certificate, the
// real AuditedRecorder) with one account per role that the trail names, and request() through
// the tests' HTTPS client (tests/console/https_client.hpp).
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "console/console_server.hpp"
#include "console/operator_store.hpp"
#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "tests/console/https_client.hpp"

namespace sekimori::console::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

// Keeps what the console recorded, for assertions, and hands everything on to the real
// AuditedRecorder (when one is attached): events are stored and chained, and a Change's apply
// runs in its transaction. A Change's events (its own and those apply made) are kept once it
// is durable, before its onDone runs.
class CapturingRecorder final : public core::EventRecorder {
  public:
    void forwardTo(core::EventRecorder* real) { real_ = real; }
    void record(core::Event event) override {
        capture(event);
        if (real_ != nullptr) {
            real_->record(std::move(event));
        }
    }
    void commit(core::Change change) override {
        if (real_ == nullptr) {
            ADD_FAILURE() << "the console committed a change with no recorder attached";
            return;
        }
        auto made = std::make_shared<std::vector<core::Event>>();
        auto apply = std::move(change.apply);
        change.apply = [apply = std::move(apply),
                        made](core::Database& db) -> core::Result<std::vector<core::Event>> {
            made->clear();
            if (!apply) {
                return std::vector<core::Event>{};
            }
            auto events = apply(db);
            if (events) {
                *made = *events;
            }
            return events;
        };
        change.onDone = [this, made, given = change.events,
                         done = std::move(change.onDone)](const core::Result<void>& r) {
            if (r) {
                for (const auto& e : given) {
                    capture(e);
                }
                for (const auto& e : *made) {
                    capture(e);
                }
            }
            if (done) {
                done(r);
            }
        };
        real_->commit(std::move(change));
    }
    std::vector<core::Event> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::vector<core::Event> ofType(const std::string& type) const {
        std::vector<core::Event> out;
        for (auto& e : events()) {
            if (e.type == type) {
                out.push_back(e);
            }
        }
        return out;
    }

  private:
    void capture(const core::Event& event) {
        std::lock_guard lock(mutex_);
        events_.push_back(event);
    }
    core::EventRecorder* real_ = nullptr;
    mutable std::mutex mutex_;
    std::vector<core::Event> events_;
};

inline std::string makeTempDir(const std::string& tag) {
    std::string tmpl = (std::filesystem::temp_directory_path() / ("sekimori-" + tag + "-XXXXXX"));
    return ::mkdtemp(tmpl.data());
}

class ConsoleFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = makeTempDir("console");
        const std::string cmd =
            std::string(SEKIMORI_SOURCE_DIR) + "/scripts/make-cert " + dir_ + " > /dev/null";
        ASSERT_EQ(std::system(cmd.c_str()), 0);
        dbPath_ = dir_ + "/site.db";
        prepareDatabase();
        if (useRealRecorder()) {
            ASSERT_NO_FATAL_FAILURE(startRecorder());
        }
        ASSERT_NO_FATAL_FAILURE(beforeSeeding());
        ASSERT_NO_FATAL_FAILURE(seedOperators());
        const ConsoleOptions options = optionsFor(0);
        server_ = std::make_unique<ConsoleServer>(io_, options, bus_, recorder_, clock_);
        addServices(*server_);
        auto started = server_->start();
        ASSERT_TRUE(started.ok()) << started.error().message;
        port_ = server_->port();
        origin_ = "https://localhost:" + std::to_string(port_);
        ioThread_ = std::thread([this] { io_.run(); });
    }

    void TearDown() override {
        if (ioThread_.joinable()) {
            asio::post(io_, [this] { server_->stop(); });
            work_.reset();
            io_.stop();
            ioThread_.join();
        }
        server_.reset();
        if (realRecorder_) {
            realRecorder_->stop();
            realRecorder_.reset();
        }
        std::filesystem::remove_all(dir_);
    }

    // The real audited recorder on the test's database (default). A test that writes its own
    // audit rows opts out; the operators' rows are then named in its audit_events by hand.
    virtual bool useRealRecorder() { return true; }

    void startRecorder() {
        auto writerDb = core::Database::open(dbPath_);
        ASSERT_TRUE(writerDb.ok()) << writerDb.error().message;
        core::AuditedRecorderOptions options;
        options.signingKeyPath = dir_ + "/audit-signing.key";
        auto recorder = core::AuditedRecorder::create(std::move(*writerDb), io_.get_executor(),
                                                      recorderBus_, clock_, options);
        ASSERT_TRUE(recorder.ok()) << recorder.error().message;
        realRecorder_ = std::move(*recorder);
        recorder_.forwardTo(realRecorder_.get());
    }

    virtual std::vector<Role> seededRoles() {
        return std::vector<Role>(std::begin(kAllRoles), std::end(kAllRoles));
    }

    // One account per role ("u-<role>"), each with its operator.added event and row digest in
    // the trail, so that it may log in.
    void seedOperators() {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok()) << db.error().message;
        ASSERT_TRUE(migrateOperatorStore(**db).ok());
        for (Role r : seededRoles()) {
            const std::string name = "u-" + std::string(roleName(r));
            auto credential = makeOperatorCredential();
            ASSERT_TRUE(credential.ok()) << credential.error().message;
            passwords_[r] = credential->password;
            NewOperator op{name, r, credential->passwordHash, clock_.nowUs(), {}, false};
            if (realRecorder_) {
                realRecorder_->commit(addOperatorChange(std::move(op), "test", {}));
                continue;
            }
            ASSERT_TRUE(insertOperator(**db, op).ok());
            ASSERT_NO_FATAL_FAILURE(nameInTrailByHand(**db, name));
        }
        if (realRecorder_) {
            auto flushed = realRecorder_->flush();
            ASSERT_TRUE(flushed.ok()) << flushed.error().message;
        }
    }

    // Appends an operator.added event with the row's digest to a hand-made audit_events.
    void nameInTrailByHand(core::Database& db, const std::string& name) {
        auto event = operatorChangeEvent(db, "operator.added", "test", name, {}, clock_.nowUs());
        ASSERT_TRUE(event.ok()) << event.error().message;
        auto st = db.prepare(
            "INSERT INTO audit_events(seq, time_us, type, source, subject, payload, prev_hash,"
            " hash) VALUES((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events), ?1, ?2, ?3,"
            " ?4, ?5, x'00', x'00')");
        ASSERT_TRUE(st.ok()) << st.error().message;
        st->bind(1, event->timeUs)
            .bind(2, event->type)
            .bind(3, event->source)
            .bind(4, event->subject)
            .bind(5, event->payload);
        ASSERT_TRUE(st->run().ok());
    }

    // Waits until the recorder stored everything handed to it so far.
    void flushRecorder() {
        ASSERT_TRUE(realRecorder_ != nullptr);
        auto flushed = realRecorder_->flush();
        ASSERT_TRUE(flushed.ok()) << flushed.error().message;
    }

    // Hook for tests that need other components' tables before the server starts.
    virtual void prepareDatabase() {}
    // Hook for tests that act on the empty store (with the recorder) before the accounts.
    virtual void beforeSeeding() {}
    // Hook for tests that add services before the server starts.
    virtual void addServices(ConsoleServer&) {}
    // Hook for tests that need other options (a local socket).
    virtual void adjustOptions(ConsoleOptions&) const {}

    ConsoleOptions optionsFor(std::uint16_t port) const {
        ConsoleOptions options;
        options.port = port;
        options.certFile = dir_ + "/console-cert.pem";
        options.keyFile = dir_ + "/console-key.pem";
        options.webRoot = std::string(SEKIMORI_SOURCE_DIR) + "/console/web";
        options.dbPath = dbPath_;
        adjustOptions(options);
        return options;
    }

    // Runs f on the io thread and waits for it.
    template <class F>
    void onIo(F f) {
        std::promise<void> done;
        asio::post(io_, [&] {
            f();
            done.set_value();
        });
        done.get_future().get();
    }

    Reply request(http::verb method, const std::string& target, const std::string& body = "",
                  const std::string& cookie = "", const std::string& origin = "") {
        return httpsRequest(port_, method, target, body, cookie, origin);
    }

    // Logs in and returns "sekimori_session=<token>" for the Cookie header.
    std::string login(const std::string& name, const std::string& password) {
        const nlohmann::json body = {{"name", name}, {"password", password}};
        Reply r = request(http::verb::post, "/api/login", body.dump(), "", origin_);
        EXPECT_EQ(r.status, 200u) << r.body;
        const std::string setCookie = r.headers["set-cookie"];
        return setCookie.substr(0, setCookie.find(';'));
    }
    Reply postLogin(const std::string& name, const std::string& password) {
        const nlohmann::json body = {{"name", name}, {"password", password}};
        return request(http::verb::post, "/api/login", body.dump(), "", origin_);
    }
    static std::string cookieOf(const Reply& r) {
        auto it = r.headers.find("set-cookie");
        return it == r.headers.end() ? std::string() : it->second.substr(0, it->second.find(';'));
    }
    Reply changePassword(const std::string& cookie, const std::string& old,
                         const std::string& fresh) {
        const nlohmann::json body = {{"old", old}, {"new", fresh}};
        return request(http::verb::post, "/api/session/password", body.dump(), cookie, origin_);
    }
    std::string loginAs(Role role) {
        return login("u-" + std::string(roleName(role)), passwords_[role]);
    }

    std::string dir_;
    std::string dbPath_;
    std::string origin_;
    std::uint16_t port_ = 0;
    std::map<Role, std::string> passwords_;
    core::ManualClock clock_;
    core::EventBus bus_;
    core::EventBus recorderBus_;  // the real recorder publishes here, not to the console's bus
    std::unique_ptr<core::AuditedRecorder> realRecorder_;
    CapturingRecorder recorder_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
    std::unique_ptr<ConsoleServer> server_;
    std::thread ioThread_;
};

}  // namespace sekimori::console::testing
