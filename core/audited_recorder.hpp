#pragma once
// The daemon's EventRecorder. record() and commit() only enqueue (safe on the io thread), into a
// queue bounded in events. One writer thread with its own Database connection commits what is
// queued in batches: one BEGIN IMMEDIATE per batch, each Change's apply inside its own SAVEPOINT
// followed by its events, chained, then COMMIT under synchronous=FULL. A publisher thread then
// parses each payload once and posts to the io executor, where the batch's events are published
// on the EventBus in seq order and each Change's onDone runs — so a reply sent from onDone is
// sent after its state and events are durable. The writer also writes the signed checkpoints.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/audit_checkpoint.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/event_type.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

// Recorded by the recorder itself when a full queue has drained: how many events it refused
// and when (payload {"count":N,"first_us":T,"last_us":T}; docs/audit.md, "Bounded queue").
inline constexpr EventType kAuditEventsRefused{"audit.events_refused"};
// onDone's error code for a Change refused because the queue is full.
inline constexpr std::string_view kAuditQueueFull = "audit.queue_full";
// onDone's error code for a Change that could not be stored before stop().
inline constexpr std::string_view kAuditStopped = "audit.stopped";

// What doors and alarms react to. ok: commits succeed. failing: the last commit failed (disk
// error or full disk); changes stay queued and are retried. full: the queue reached maxQueued and
// new events are refused until it drains to half (then an audit.events_refused is recorded).
enum class RecorderHealth { ok, failing, full };
std::string_view recorderHealthName(RecorderHealth health);

struct AuditedRecorderOptions {
    std::string signingKeyPath;   // e.g. var/keys/audit-signing.key; created when absent
    std::string checkpointFile;   // empty: "<db path>.checkpoints"
    std::size_t maxBatch = 1000;  // events per transaction at most (a Change is never split)
    // Events held at most: queued, being written, or being handed to the bus. A Change without
    // events counts as one. Beyond it, commit() and record() are refused (never dropped
    // silently: counted, logged once per episode, recorded as audit.events_refused).
    std::size_t maxQueued = 100'000;
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
    // Posted to the io executor on every change of health(), in order: doors fall to their
    // configured mode and an alarm is raised while it is not ok.
    std::function<void(RecorderHealth health)> onHealth;
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

    // commit({event}) without onDone. An event with timeUs 0 is stamped with the clock's time;
    // the stored time is the recording time (core::recordingTime: never before the row before
    // it nor the newest checkpoint), what subscribers see in RecordedEvent.
    void record(Event event) override;

    // Non-blocking. `apply` runs on the writer thread inside the batch's transaction, in a
    // SAVEPOINT of its own; it must not BEGIN, COMMIT or ROLLBACK (nor RAISE(ROLLBACK) in a
    // trigger), and must only touch the domain's own tables. Its error (or exception) rolls
    // back this Change alone; onDone hears it. When SQLite itself ends the transaction during an
    // apply (disk full, I/O error), the whole batch is retried like any failed commit.
    void commit(Change change) override;

    // Blocks until every Change accepted before the call is committed (or its apply failed);
    // returns the error of a commit that failed meanwhile (the changes stay queued, retried).
    Result<void> flush();

    // Commits what is queued, writes the shutdown checkpoint, hands the last events to the bus
    // and joins its threads. Changes it could not store hear kAuditStopped. Idempotent.
    void stop();

    RecorderHealth health() const;
    std::uint64_t committedCount() const;  // events stored since start
    std::uint64_t failedCommitCount() const;
    std::uint64_t refusedCount() const;  // events refused since start (queue full or stopped)
    std::size_t queuedCount() const;     // events held now (see maxQueued)
    std::optional<Checkpoint> lastCheckpoint() const;

  private:
    struct Statements {
        Statement begin, commit, rollback, savepoint, rollbackToSavepoint, releaseSavepoint;
    };
    // What one batch's transaction stored.
    struct WrittenBatch {
        std::vector<RecordedEvent> events;
        std::vector<Result<void>> outcomes;  // per Change, in order: ok, or its apply's error
    };
    using Done = std::function<void(const Result<void>&)>;
    // Batches the bus is done with, handed back by the io thread so that their memory (parsed
    // bodies above all) is freed on the publisher thread that allocated it: less work on the io
    // thread, and glibc's per-thread caches serve the next parse instead of its shared arena.
    // Shared, because an io handler may run after the recorder is gone.
    struct SpentBatches {
        std::mutex mutex;
        std::vector<std::vector<RecordedEvent>> batches;
    };

    AuditedRecorder(std::unique_ptr<Database> db, AuditAppender appender, AuditSigner signer,
                    Statements statements, boost::asio::any_io_executor io, EventBus& bus,
                    const Clock& clock, AuditedRecorderOptions options);
    void run();
    bool commitBatch();
    Result<WrittenBatch> writeBatch(std::vector<Change>& batch);
    // How many of a change's events were chained: its own, then those its apply produced.
    struct ChainedCount {
        std::size_t fromChange = 0;
        std::size_t fromApply = 0;
    };
    Result<void> writeChanges(std::vector<Change>& batch, WrittenBatch& written,
                              std::vector<ChainedCount>& chainedPerChange);
    void handToBus(std::vector<RecordedEvent> events,
                   std::vector<std::pair<Done, Result<void>>> dones, std::size_t weight);
    void release(std::size_t weight);
    void refuseLocked(std::size_t weight, TimeUs nowUs, bool& firstOfEpisode);
    void updateHealthLocked();
    void postDone(Done done, Error error);
    void maybeCheckpoint(bool force);
    void publishCheckpoint(const Checkpoint& checkpoint);
    void reportError(const Error& error);

    std::unique_ptr<Database> db_;
    AuditAppender appender_;
    AuditSigner signer_;
    Statements sql_;
    boost::asio::any_io_executor io_;
    EventBus* bus_;
    const Clock* clock_;
    AuditedRecorderOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;     // writer: work arrived or stop
    std::condition_variable flushed_;  // flush(): progress or failure
    std::deque<Change> queue_;
    std::size_t held_ = 0;        // events queued, being written or being handed to the bus
    std::uint64_t accepted_ = 0;  // Changes accepted
    std::uint64_t decided_ = 0;   // Changes committed or refused by their apply
    std::uint64_t committed_ = 0;
    std::uint64_t failures_ = 0;
    std::uint64_t refusedTotal_ = 0;
    bool failing_ = false;
    RecorderHealth health_ = RecorderHealth::ok;
    // The current refusal episode (queue full), until the queue drains to half.
    std::uint64_t refusedInEpisode_ = 0;
    TimeUs firstRefusedUs_ = 0;
    TimeUs lastRefusedUs_ = 0;
    std::optional<Error> lastError_;
    std::optional<Checkpoint> lastCheckpoint_;
    bool stopping_ = false;
    bool writerDone_ = false;

    // Writer-thread state.
    TimeUs lastTickUs_ = 0;
    std::uint64_t failingAttempts_ = 0;
    std::chrono::steady_clock::time_point retryAfter_{};
    // Parses payloads and posts batches to io in commit order, off the writer's commit path.
    std::shared_ptr<SpentBatches> spent_ = std::make_shared<SpentBatches>();
    boost::asio::thread_pool publisher_{1};
    std::thread writer_;
};

}  // namespace sekimori::core
