#pragma once
// Test helpers for code that runs on an io thread: an io_context on its own thread, and a
// thread-safe recorder for MQTT messages and connection reports that tests can wait on.
// Header-only; include from any test folder.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/mqtt_link.hpp"

namespace sekimori::test {

class IoThread {
  public:
    IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
    ~IoThread() {
        work_.reset();
        io_.stop();
        thread_.join();
    }
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    boost::asio::any_io_executor executor() { return io_.get_executor(); }
    std::thread::id id() const { return thread_.get_id(); }

    // Runs fn on the io thread and waits for it: how tests touch io-thread-owned objects.
    template <class Fn>
    auto run(Fn fn) -> decltype(fn()) {
        std::packaged_task<decltype(fn())()> task(std::move(fn));
        auto result = task.get_future();
        boost::asio::post(io_, [&task] { task(); });
        return result.get();
    }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

// Collects what a link reports, from whichever thread its handlers run on.
class LinkRecorder {
  public:
    struct Report {
        bool connected;
        std::string reason;
    };

    io::MqttLink::MessageHandler messageHandler() {
        return [this](const io::MqttMessage& message) {
            std::lock_guard lock(mutex_);
            messages_.push_back(message);
            threads_.push_back(std::this_thread::get_id());
            changed_.notify_all();
        };
    }
    io::MqttLink::ConnectionHandler connectionHandler() {
        return [this](bool connected, const std::string& reason) {
            std::lock_guard lock(mutex_);
            reports_.push_back({connected, reason});
            threads_.push_back(std::this_thread::get_id());
            changed_.notify_all();
        };
    }
    void attach(io::MqttLink& link) {
        link.onMessage(messageHandler());
        link.onConnection(connectionHandler());
    }

    // Waits until pred(messages, reports) holds; false on time-out.
    bool waitFor(const std::function<bool(const std::vector<io::MqttMessage>&,
                                          const std::vector<Report>&)>& pred,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(messages_, reports_); });
    }
    bool waitForMessages(std::size_t count,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return waitFor(
            [count](const auto& messages, const auto&) { return messages.size() >= count; },
            timeout);
    }
    // Waits for the latest connection report to say `connected`.
    bool waitForConnected(bool connected = true,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        return waitFor(
            [connected](const auto&, const auto& reports) {
                return !reports.empty() && reports.back().connected == connected;
            },
            timeout);
    }

    std::vector<io::MqttMessage> messages() const {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    std::vector<Report> reports() const {
        std::lock_guard lock(mutex_);
        return reports_;
    }
    std::vector<std::thread::id> handlerThreads() const {
        std::lock_guard lock(mutex_);
        return threads_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<io::MqttMessage> messages_;
    std::vector<Report> reports_;
    std::vector<std::thread::id> threads_;
};

}  // namespace sekimori::test
