// Nothing the console does on the io thread waits for SQLite or a file: with every pool thread
// held, requests that need the database or a file wait for the pool while the io thread keeps
// answering. On the old console (operator look-ups, queries and files on the io thread) the
// held pool would not have stopped them.
#include <condition_variable>
#include <future>

#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;
using namespace std::chrono_literals;

// A real service with one worker route that holds its pool thread until released.
class GateService final : public core::Service {
  public:
    std::string_view name() const override { return "gate"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::ApiRoute> routes() override {
        return {{core::HttpMethod::get, "/api/gate/{n}", core::RoleSet::all(), core::RunOn::worker,
                 [this](const core::ApiCall& call, core::ApiReply reply) {
                     std::unique_lock lock(mutex_);
                     ++held_;
                     changed_.notify_all();
                     changed_.wait(lock, [this] { return open_; });
                     reply(core::ApiResult{200, {{"n", call.params.at("n")}}});
                 }}};
    }
    void waitUntilHeld(int n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return held_ >= n; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int held_ = 0;
    bool open_ = false;
};

class ConsoleOffIo : public ConsoleFixture {
  protected:
    void addServices(ConsoleServer& server) override { server.addService(gate_); }
    void TearDown() override {
        gate_.open();  // never leave the pool held
        ConsoleFixture::TearDown();
    }
    GateService gate_;
};

TEST_F(ConsoleOffIo, WithThePoolHeldTheIoThreadStillAnswers) {
    const std::string cookie = loginAs(Role::auditor);
    // Both pool threads (ConsoleOptions::workerThreads) held by the gate.
    auto first = std::async(std::launch::async,
                            [&] { return request(verb::get, "/api/gate/1", "", cookie); });
    auto second = std::async(std::launch::async,
                             [&] { return request(verb::get, "/api/gate/2", "", cookie); });
    gate_.waitUntilHeld(2);

    auto events = std::async(std::launch::async,
                             [&] { return request(verb::get, "/api/events", "", cookie); });
    auto page = std::async(std::launch::async, [&] { return request(verb::get, "/shell.js"); });
    // The io thread answers what needs neither the database nor a file, at once.
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(request(verb::get, "/api/me").status, 401u);
        EXPECT_EQ(request(verb::get, "/api/nothing").status, 404u);
    }
    // The session look-up and the query, and the file read, wait for the pool.
    EXPECT_EQ(events.wait_for(100ms), std::future_status::timeout);
    EXPECT_EQ(page.wait_for(0ms), std::future_status::timeout);

    gate_.open();
    EXPECT_EQ(first.get().status, 200u);
    EXPECT_EQ(second.get().status, 200u);
    EXPECT_EQ(events.get().status, 200u);
    EXPECT_EQ(page.get().status, 200u);
}

}  // namespace
}  // namespace sekimori::console::testing
