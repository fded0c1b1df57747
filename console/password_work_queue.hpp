#pragma once
// The bounded queue of password-hash work (argon2id: tens of milliseconds and 64 MiB each). A
// login or password change takes a slot before it hashes and gives it back when done; when
// every slot is taken the request is refused (429) instead of queueing, so a flood of
// unauthenticated logins costs a bounded amount of CPU and memory and never delays the pool's
// other work (SQLite reads, files) without limit. Lives on the io thread.
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "console/off_io_work.hpp"

namespace sekimori::console {

class PasswordWorkQueue {
  public:
    static constexpr std::size_t kDefaultCapacity = 4;

    explicit PasswordWorkQueue(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

    // A taken slot; given back when destroyed. Io thread only.
    class Slot {
      public:
        Slot(Slot&& other) noexcept = default;
        Slot& operator=(Slot&& other) noexcept = default;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() {
            if (state_) {
                *state_ -= 1;
            }
        }

      private:
        friend class PasswordWorkQueue;
        explicit Slot(std::shared_ptr<std::size_t> inUse) : state_(std::move(inUse)) {}
        std::shared_ptr<std::size_t> state_;
    };

    // A slot, or nothing when all are taken (counted as a refusal).
    std::optional<Slot> tryTake() {
        if (*inUse_ >= capacity_) {
            refused_ += 1;
            return std::nullopt;
        }
        *inUse_ += 1;
        return Slot(inUse_);
    }

    // Runs work() on `pool` and done(result) on `io`, or returns false (nothing runs) when all
    // slots are taken. The slot is held until done has run. Call on the io thread.
    template <class Work, class Done>
    bool trySubmit(const boost::asio::any_io_executor& pool, const boost::asio::any_io_executor& io,
                   Work work, Done done) {
        auto slot = tryTake();
        if (!slot) {
            return false;
        }
        runOffIo(pool, io, std::move(work),
                 [slot = std::make_shared<Slot>(std::move(*slot)),
                  done = std::move(done)](auto result) mutable {
                     slot.reset();
                     done(std::move(result));
                 });
        return true;
    }

    std::size_t capacity() const { return capacity_; }
    std::size_t inUse() const { return *inUse_; }
    std::size_t refusedCount() const { return refused_; }

  private:
    std::size_t capacity_;
    // Shared with the slots, which may be given back after the queue's owner is gone.
    std::shared_ptr<std::size_t> inUse_ = std::make_shared<std::size_t>(0);
    std::size_t refused_ = 0;
};

}  // namespace sekimori::console
