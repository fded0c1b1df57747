#include "core/audited_recorder.hpp"

#include <boost/asio/post.hpp>
#include <vector>

#include "core/log.hpp"

namespace sekimori::core {

Result<std::unique_ptr<AuditedRecorder>> AuditedRecorder::create(std::unique_ptr<Database> writerDb,
                                                                 boost::asio::any_io_executor io,
                                                                 EventBus& bus, const Clock& clock,
                                                                 AuditedRecorderOptions options) {
    if (!writerDb) {
        return makeError("audit.no_database", "AuditedRecorder needs a database connection");
    }
    if (options.signingKeyPath.empty()) {
        return makeError("audit.no_key", "AuditedRecorder needs signingKeyPath");
    }
    if (options.maxBatch == 0) {
        options.maxBatch = 1;
    }
    if (options.checkpointFile.empty()) {
        options.checkpointFile = defaultCheckpointFile(writerDb->path());
    }
    if (auto r = migrateAuditSchema(*writerDb); !r) {
        return r.error();
    }
    auto signer = AuditSigner::loadOrCreate(options.signingKeyPath);
    if (!signer) {
        return signer.error();
    }
    if (auto r = publishPublicKeyBeside(options.checkpointFile, signer->publicKey()); !r) {
        return r.error();
    }
    auto appender = AuditAppender::create(*writerDb);
    if (!appender) {
        return appender.error();
    }
    std::unique_ptr<AuditedRecorder> recorder(
        new AuditedRecorder(std::move(writerDb), std::move(*appender), std::move(*signer),
                            std::move(io), bus, clock, std::move(options)));
    recorder->writer_ = std::thread([r = recorder.get()] { r->run(); });
    return recorder;
}

AuditedRecorder::AuditedRecorder(std::unique_ptr<Database> db, AuditAppender appender,
                                 AuditSigner signer, boost::asio::any_io_executor io, EventBus& bus,
                                 const Clock& clock, AuditedRecorderOptions options)
    : db_(std::move(db)),
      appender_(std::move(appender)),
      signer_(std::move(signer)),
      io_(std::move(io)),
      bus_(&bus),
      clock_(&clock),
      options_(std::move(options)),
      lastTickUs_(clock.nowUs()) {}

AuditedRecorder::~AuditedRecorder() {
    stop();
}

void AuditedRecorder::record(Event event) {
    if (event.timeUs == 0) {
        event.timeUs = clock_->nowUs();
    }
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            // Loud, not silent: the recorder was stopped before this event arrived.
            logError("audit", "recorder stopped; event " + event.type + " from " + event.source +
                                  " was not stored");
            return;
        }
        queue_.push_back(std::move(event));
        ++enqueued_;
    }
    wake_.notify_one();
}

Result<void> AuditedRecorder::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = enqueued_;
    const std::uint64_t failuresBefore = failures_;
    flushed_.wait(
        lock, [&] { return committed_ >= target || failures_ != failuresBefore || writerDone_; });
    if (committed_ >= target) {
        return {};
    }
    if (lastError_) {
        return *lastError_;
    }
    return makeError("audit.stopped", "the audit writer stopped before the events were stored");
}

void AuditedRecorder::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) {
        writer_.join();
    }
    flushed_.notify_all();
}

std::uint64_t AuditedRecorder::committedCount() const {
    std::lock_guard lock(mutex_);
    return committed_;
}

std::uint64_t AuditedRecorder::failedCommitCount() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

std::size_t AuditedRecorder::queuedCount() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::optional<Checkpoint> AuditedRecorder::lastCheckpoint() const {
    std::lock_guard lock(mutex_);
    return lastCheckpoint_;
}

void AuditedRecorder::run() {
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            const TimeUs dueUs =
                lastTickUs_ +
                std::chrono::duration_cast<std::chrono::microseconds>(options_.checkpointInterval)
                    .count();
            const auto untilDue =
                std::chrono::microseconds(std::max<TimeUs>(0, dueUs - clock_->nowUs()));
            auto sleep =
                std::min<std::chrono::steady_clock::duration>(untilDue, options_.pollInterval);
            const auto now = std::chrono::steady_clock::now();
            const bool backingOff = now < retryAfter_;
            if (backingOff) {
                sleep = std::min<std::chrono::steady_clock::duration>(sleep, retryAfter_ - now);
            }
            wake_.wait_for(lock, sleep, [&] {
                return stopping_ ||
                       (!queue_.empty() && std::chrono::steady_clock::now() >= retryAfter_);
            });
            stopping = stopping_;
        }
        bool committedAll = true;
        while (std::chrono::steady_clock::now() >= retryAfter_ || stopping) {
            std::size_t left = 0;
            {
                std::lock_guard lock(mutex_);
                left = queue_.size();
            }
            if (left == 0) {
                break;
            }
            if (!commitBatch()) {
                committedAll = false;
                break;
            }
            if (!stopping) {
                maybeCheckpoint(false);  // keeps the 1 s cadence under sustained load
            }
        }
        if (stopping) {
            std::size_t lost = 0;
            {
                std::lock_guard lock(mutex_);
                lost = queue_.size();
            }
            if (lost != 0) {
                logError("audit", std::to_string(lost) +
                                      " events could not be stored at shutdown; the database "
                                      "refuses writes (see previous errors)");
            }
            maybeCheckpoint(true);
            break;
        }
        if (committedAll) {
            maybeCheckpoint(false);
        }
    }
    {
        std::lock_guard lock(mutex_);
        writerDone_ = true;
    }
    flushed_.notify_all();
}

bool AuditedRecorder::commitBatch() {
    std::vector<Event> batch;
    {
        std::lock_guard lock(mutex_);
        const std::size_t n = std::min(options_.maxBatch, queue_.size());
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
    }
    auto recorded = appender_.append(batch, [this](std::uint64_t treeSize, const Hash& head) {
        return signer_.sign(treeSize, head, clock_->nowUs());
    });
    if (!recorded) {
        {
            std::lock_guard lock(mutex_);
            // Put the batch back in front, in order: it is retried, never dropped.
            for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
                queue_.push_front(std::move(*it));
            }
            ++failures_;
            lastError_ = recorded.error();
            retryAfter_ = std::chrono::steady_clock::now() + options_.retryInterval;
        }
        // Log once per episode (the callback hears every attempt).
        if (failingAttempts_++ == 0) {
            logError("audit", recorded.error().message + "; retrying, events stay queued");
        }
        if (options_.onError) {
            options_.onError(recorded.error());
        }
        flushed_.notify_all();
        return false;
    }
    const std::size_t n = recorded->events.size();
    boost::asio::post(io_, [bus = bus_, events = std::move(recorded->events)] {
        for (const auto& e : events) {
            bus->publish(e);
        }
    });
    if (recorded->checkpoint) {
        publishCheckpoint(*recorded->checkpoint);
    }
    if (failingAttempts_ != 0) {
        logInfo("audit", "audit writes recovered after " + std::to_string(failingAttempts_) +
                             " failed attempts; nothing was lost");
        failingAttempts_ = 0;
    }
    {
        std::lock_guard lock(mutex_);
        committed_ += n;
        lastError_.reset();
    }
    flushed_.notify_all();
    return true;
}

void AuditedRecorder::publishCheckpoint(const Checkpoint& checkpoint) {
    {
        std::lock_guard lock(mutex_);
        lastCheckpoint_ = checkpoint;
    }
    const std::string json = checkpointToJson(checkpoint);
    if (auto r = appendCheckpointLine(options_.checkpointFile, json); !r) {
        reportError(r.error());
    }
    if (options_.onCheckpoint) {
        options_.onCheckpoint(json);
    }
}

void AuditedRecorder::maybeCheckpoint(bool force) {
    const TimeUs now = clock_->nowUs();
    const auto us = [](std::chrono::milliseconds ms) {
        return std::chrono::duration_cast<std::chrono::microseconds>(ms).count();
    };
    if (!force && now < lastTickUs_ + us(options_.checkpointInterval)) {
        return;
    }
    lastTickUs_ = now;
    std::optional<Checkpoint> last;
    {
        std::lock_guard lock(mutex_);
        last = lastCheckpoint_;
    }
    if (!force && last) {
        // Another process may have appended: compare with the table, not our own count.
        auto head = readChainHead(*db_);
        if (!head) {
            reportError(head.error());
            return;
        }
        const bool grown = head->seq != last->treeSize || head->hash != last->headHash;
        if (!grown && now < last->timeUs + us(options_.heartbeatInterval)) {
            return;
        }
    }
    // Stored here; the file line is appended by publishCheckpoint like every other one.
    auto checkpoint = writeCheckpoint(*db_, signer_, now, std::string());
    if (!checkpoint) {
        reportError(checkpoint.error());
        return;
    }
    publishCheckpoint(*checkpoint);
}

void AuditedRecorder::reportError(const Error& error) {
    logError("audit", error.message);
    if (options_.onError) {
        options_.onError(error);
    }
}

}  // namespace sekimori::core
