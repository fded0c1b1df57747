#pragma once
// Shared by the audit tests: a fresh temporary directory and a wait-until helper.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "core/event.hpp"

namespace sekimori::core::testing {

class TempDir {
  public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("sekimori-audit-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// Runs posted handlers on this thread until `done` or the timeout; returns done().
inline bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    io.restart();
    io.poll();
    return done();
}

inline Event sampleEvent(int i, TimeUs timeUs = 0) {
    Event e;
    e.timeUs = timeUs;
    e.type = i % 2 ? "door.opened" : "access.granted";
    e.source = "door:server-room";
    e.subject = i % 3 ? "p-" + std::to_string(i) : "";
    e.payload = "{\"door\":\"server-room\",\"n\":" + std::to_string(i) + "}";
    return e;
}

}  // namespace sekimori::core::testing
