#pragma once
// Collects a NutPoller's passes and command results from the io thread, for tests to wait on
// with a bound. Header-only.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "io/nut/nut_poller.hpp"

namespace sekimori::test {

class NutRecorder {
  public:
    io::nut::NutPoller::OnPass passSink() {
        return [this](io::nut::NutPassResult p) {
            std::lock_guard lock(mutex_);
            passes_.push_back(std::move(p));
            threads_.push_back(std::this_thread::get_id());
            changed_.notify_all();
        };
    }
    io::nut::NutPoller::OnInstcmd commandSink() {
        return [this](io::nut::NutInstcmdResult r) {
            std::lock_guard lock(mutex_);
            commands_.push_back(std::move(r));
            threads_.push_back(std::this_thread::get_id());
            changed_.notify_all();
        };
    }

    // The first pass from index `from` on that matches; nothing after `timeout`.
    std::optional<io::nut::NutPassResult> waitFor(
        const std::function<bool(const io::nut::NutPassResult&)>& pred, std::size_t from = 0,
        std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        std::optional<io::nut::NutPassResult> found;
        changed_.wait_for(lock, timeout, [&] {
            for (std::size_t i = from; i < passes_.size(); ++i) {
                if (pred(passes_[i])) {
                    found = passes_[i];
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    std::optional<io::nut::NutInstcmdResult> waitForCommand(
        std::size_t index, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout, [&] { return commands_.size() > index; })) {
            return std::nullopt;
        }
        return commands_[index];
    }

    std::size_t passCount() const {
        std::lock_guard lock(mutex_);
        return passes_.size();
    }
    std::vector<io::nut::NutPassResult> passes() const {
        std::lock_guard lock(mutex_);
        return passes_;
    }
    std::size_t commandCount() const {
        std::lock_guard lock(mutex_);
        return commands_.size();
    }
    std::vector<std::thread::id> threads() const {
        std::lock_guard lock(mutex_);
        return threads_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<io::nut::NutPassResult> passes_;
    std::vector<io::nut::NutInstcmdResult> commands_;
    std::vector<std::thread::id> threads_;
};

}  // namespace sekimori::test
