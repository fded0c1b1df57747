#pragma once
// The daemon's EventRecorder: record() only enqueues (safe on the io thread); one writer
// thread with its own Database connection stores and chains whatever is queued in one
// transaction per batch, then posts the RecordedEvents to the io executor, where they are
// published on the EventBus in seq order. The same thread writes signed checkpoints.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/audit_checkpoint.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

struct AuditedRecorderOptions {
    std::string signingKeyPath;   // e.g. var/keys/audit-signing.key; created when absent
    std::string checkpointFile;   // empty: "<db path>.checkpoints"
    std::size_t maxBatch = 1000;  // events per transaction at most
    std::chrono::milliseconds checkpointInterval{1000};  // while the chain grows
    std::chrono::milliseconds heartbeatInterval{60000};  // when it does not
    std::chrono::milliseconds retryInterval{500};        // after a failed commit
    // Longest real-time sleep of the writer between clock checks (matters for ManualClock).
    std::chrono::milliseconds pollInterval{250};
    // Called on the writer thread with each checkpoint's JSON line, after it is stored and
    // fsync'd; the daemon posts it to a retained MQTT topic. Must not block for long.
    std::function<void(const std::string& json)> onCheckpoint;
    // Called on the writer thread when a commit or checkpoint fails (disk full, I/O error).
    // The failed batch stays queued and is retried; nothing is published until stored.
    std::function<void(const Error& error)> onError;
};

class AuditedRecorder final : public EventRecorder {
  public:
    // Takes the writer's own connection (opened with Database::open on the shared file),
    // migrates the audit schema, loads or creates the signing key and starts the writer.
    // `bus` and `clock` must outlive the recorder and every handler it posted to `io`.
    static Result<std::unique_ptr<AuditedRecorder>> create(std::unique_ptr<Database> writerDb,
                                                           boost::asio::any_io_executor io,
                                                           EventBus& bus, const Clock& clock,
                                                           AuditedRecorderOptions options);
    ~AuditedRecorder() override;
    AuditedRecorder(const AuditedRecorder&) = delete;
    AuditedRecorder& operator=(const AuditedRecorder&) = delete;

    // Non-blocking. An event with timeUs 0 is stamped with the clock's time.
    void record(Event event) override;

    // Blocks until every event recorded before the call is committed; returns the error of a
    // commit that failed meanwhile (the events stay queued and are retried).
    Result<void> flush();

    // Commits what is queued, writes the shutdown checkpoint and joins the writer. Idempotent.
    void stop();

    std::uint64_t committedCount() const;
    std::uint64_t failedCommitCount() const;
    std::size_t queuedCount() const;
    std::optional<Checkpoint> lastCheckpoint() const;

  private:
    AuditedRecorder(std::unique_ptr<Database> db, AuditAppender appender, AuditSigner signer,
                    boost::asio::any_io_executor io, EventBus& bus, const Clock& clock,
                    AuditedRecorderOptions options);
    void run();
    bool commitBatch();
    void maybeCheckpoint(bool force);
    void publishCheckpoint(const Checkpoint& checkpoint);
    void reportError(const Error& error);

    std::unique_ptr<Database> db_;
    AuditAppender appender_;
    AuditSigner signer_;
    boost::asio::any_io_executor io_;
    EventBus* bus_;
    const Clock* clock_;
    AuditedRecorderOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;     // writer: work arrived or stop
    std::condition_variable flushed_;  // flush(): progress or failure
    std::deque<Event> queue_;
    std::uint64_t enqueued_ = 0;
    std::uint64_t committed_ = 0;
    std::uint64_t failures_ = 0;
    std::optional<Error> lastError_;
    std::optional<Checkpoint> lastCheckpoint_;
    bool stopping_ = false;
    bool writerDone_ = false;

    // Writer-thread state.
    TimeUs lastTickUs_ = 0;
    std::uint64_t failingAttempts_ = 0;
    std::chrono::steady_clock::time_point retryAfter_{};
    std::thread writer_;
};

}  // namespace sekimori::core
