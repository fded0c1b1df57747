#include "core/audited_recorder.hpp"

#include <pthread.h>

#include <boost/asio/post.hpp>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/log.hpp"
#include "core/payload_body.hpp"

namespace sekimori::core {
namespace {

std::size_t weightOf(const Change& change) {
    return std::max<std::size_t>(1, change.events.size());
}

Result<std::vector<Event>> runApply(const Change& change, Database& db) {
    try {
        return change.apply(db);
    } catch (const std::exception& e) {
        return makeError("audit.apply_threw", std::string("the change threw: ") + e.what());
    } catch (...) {
        return makeError("audit.apply_threw", "the change threw a non-standard exception");
    }
}

Result<Statement> prepareFixed(Database& db, std::string_view sql) {
    return db.prepare(sql);
}

}  // namespace

std::string_view recorderHealthName(RecorderHealth health) {
    switch (health) {
        case RecorderHealth::ok:
            return "ok";
        case RecorderHealth::failing:
            return "failing";
        case RecorderHealth::full:
            return "full";
    }
    return "unknown";
}

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
    options.maxBatch = std::max<std::size_t>(1, options.maxBatch);
    options.maxQueued = std::max<std::size_t>(1, options.maxQueued);
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
    Statements statements;
    const std::pair<Statement*, std::string_view> fixed[] = {
        {&statements.begin, "BEGIN IMMEDIATE"},
        {&statements.commit, "COMMIT"},
        {&statements.rollback, "ROLLBACK"},
        {&statements.savepoint, "SAVEPOINT audited_change"},
        {&statements.rollbackToSavepoint, "ROLLBACK TO audited_change"},
        {&statements.releaseSavepoint, "RELEASE audited_change"},
    };
    for (const auto& [into, sql] : fixed) {
        auto prepared = prepareFixed(*writerDb, sql);
        if (!prepared) {
            return prepared.error();
        }
        *into = std::move(*prepared);
    }
    std::unique_ptr<AuditedRecorder> recorder(
        new AuditedRecorder(std::move(writerDb), std::move(*appender), std::move(*signer),
                            std::move(statements), std::move(io), bus, clock, std::move(options)));
    recorder->writer_ = std::thread([r = recorder.get()] { r->run(); });
    return recorder;
}

AuditedRecorder::AuditedRecorder(std::unique_ptr<Database> db, AuditAppender appender,
                                 AuditSigner signer, Statements statements,
                                 boost::asio::any_io_executor io, EventBus& bus, const Clock& clock,
                                 AuditedRecorderOptions options)
    : db_(std::move(db)),
      appender_(std::move(appender)),
      signer_(std::move(signer)),
      sql_(std::move(statements)),
      io_(std::move(io)),
      bus_(&bus),
      clock_(&clock),
      options_(std::move(options)),
      lastTickUs_(clock.nowUs()) {
    boost::asio::post(publisher_, [] { ::pthread_setname_np(::pthread_self(), "audit-publish"); });
}

AuditedRecorder::~AuditedRecorder() {
    stop();
}

void AuditedRecorder::record(Event event) {
    Change change;
    change.events.push_back(std::move(event));
    commit(std::move(change));
}

void AuditedRecorder::commit(Change change) {
    const TimeUs nowUs = clock_->nowUs();
    for (auto& e : change.events) {
        if (e.timeUs == 0) {
            e.timeUs = nowUs;
        }
    }
    const std::size_t weight = weightOf(change);
    bool accepted = false;
    bool stopped = false;
    bool firstOfEpisode = false;
    {
        std::lock_guard lock(mutex_);
        stopped = stopping_;
        if (stopped) {
            refusedTotal_ += weight;
        } else if (held_ + weight <= options_.maxQueued) {
            held_ += weight;
            ++accepted_;
            queue_.push_back(std::move(change));
            accepted = true;
        } else {
            refuseLocked(weight, nowUs, firstOfEpisode);
        }
    }
    if (accepted) {
        wake_.notify_one();
        return;
    }
    if (stopped) {
        // Loud, not silent: the recorder was stopped before this change arrived.
        logError("audit",
                 "recorder stopped; " + std::to_string(change.events.size()) +
                     " event(s) not stored" +
                     (change.events.empty() ? std::string()
                                            : " (first: " + change.events.front().type + " from " +
                                                  change.events.front().source + ")"));
        postDone(std::move(change.onDone),
                 makeError(std::string(kAuditStopped), "the audit recorder was stopped"));
        return;
    }
    if (firstOfEpisode) {
        logError("audit", "audit queue full (" + std::to_string(options_.maxQueued) +
                              " events held); refusing new events until it drains to half; "
                              "they are counted and recorded as " +
                              std::string(kAuditEventsRefused));
    }
    postDone(std::move(change.onDone),
             makeError(std::string(kAuditQueueFull), "the audit queue is full (" +
                                                         std::to_string(options_.maxQueued) +
                                                         " events); the change was not stored"));
}

void AuditedRecorder::refuseLocked(std::size_t weight, TimeUs nowUs, bool& firstOfEpisode) {
    refusedTotal_ += weight;
    if (refusedInEpisode_ == 0) {
        firstOfEpisode = true;
        firstRefusedUs_ = nowUs;
    }
    refusedInEpisode_ += weight;
    lastRefusedUs_ = nowUs;
    updateHealthLocked();
}

void AuditedRecorder::updateHealthLocked() {
    const RecorderHealth now = refusedInEpisode_ != 0 ? RecorderHealth::full
                               : failing_             ? RecorderHealth::failing
                                                      : RecorderHealth::ok;
    if (now == health_) {
        return;
    }
    health_ = now;
    if (options_.onHealth) {
        // Posted under the lock, so handlers see the changes in the order they happened.
        boost::asio::post(io_, [onHealth = options_.onHealth, now] { onHealth(now); });
    }
}

void AuditedRecorder::postDone(Done done, Error error) {
    if (!done) {
        return;
    }
    boost::asio::post(
        io_, [done = std::move(done), error = std::move(error)] { done(Result<void>(error)); });
}

Result<void> AuditedRecorder::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = accepted_;
    const std::uint64_t failuresBefore = failures_;
    flushed_.wait(lock,
                  [&] { return decided_ >= target || failures_ != failuresBefore || writerDone_; });
    if (decided_ >= target) {
        return {};
    }
    if (lastError_) {
        return *lastError_;
    }
    return makeError(std::string(kAuditStopped),
                     "the audit writer stopped before the events were stored");
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
    publisher_.join();
    flushed_.notify_all();
}

RecorderHealth AuditedRecorder::health() const {
    std::lock_guard lock(mutex_);
    return health_;
}

std::uint64_t AuditedRecorder::committedCount() const {
    std::lock_guard lock(mutex_);
    return committed_;
}

std::uint64_t AuditedRecorder::failedCommitCount() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

std::uint64_t AuditedRecorder::refusedCount() const {
    std::lock_guard lock(mutex_);
    return refusedTotal_;
}

std::size_t AuditedRecorder::queuedCount() const {
    std::lock_guard lock(mutex_);
    return held_;
}

std::optional<Checkpoint> AuditedRecorder::lastCheckpoint() const {
    std::lock_guard lock(mutex_);
    return lastCheckpoint_;
}

void AuditedRecorder::run() {
    ::pthread_setname_np(::pthread_self(), "audit-writer");  // for top -H, perf and gdb
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
            {
                std::lock_guard lock(mutex_);
                if (queue_.empty()) {
                    break;
                }
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
            std::deque<Change> lost;
            {
                std::lock_guard lock(mutex_);
                lost.swap(queue_);
            }
            if (!lost.empty()) {
                std::size_t events = 0;
                for (auto& change : lost) {
                    events += change.events.size();
                    postDone(std::move(change.onDone),
                             makeError(std::string(kAuditStopped),
                                       "the database refused writes until the recorder stopped"));
                }
                logError("audit", std::to_string(events) +
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
    std::vector<Change> batch;
    std::size_t weight = 0;
    {
        std::lock_guard lock(mutex_);
        while (!queue_.empty()) {
            const std::size_t w = weightOf(queue_.front());
            if (!batch.empty() && weight + w > options_.maxBatch) {
                break;
            }
            weight += w;
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
    }
    auto written = writeBatch(batch);
    if (!written) {
        {
            std::lock_guard lock(mutex_);
            // Put the batch back in front, in order: it is retried, never dropped.
            for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
                queue_.push_front(std::move(*it));
            }
            ++failures_;
            failing_ = true;
            lastError_ = written.error();
            retryAfter_ = std::chrono::steady_clock::now() + options_.retryInterval;
            updateHealthLocked();
        }
        // Log once per episode (the callback hears every attempt).
        if (failingAttempts_++ == 0) {
            logError("audit", written.error().message + "; retrying, events stay queued");
        }
        if (options_.onError) {
            options_.onError(written.error());
        }
        flushed_.notify_all();
        return false;
    }
    if (failingAttempts_ != 0) {
        logInfo("audit", "audit writes recovered after " + std::to_string(failingAttempts_) +
                             " failed attempts; nothing was lost");
        failingAttempts_ = 0;
    }
    // Only the changes that listen get their outcome, in batch order.
    std::vector<std::pair<Done, Result<void>>> dones;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].onDone) {
            dones.emplace_back(std::move(batch[i].onDone), std::move(written->outcomes[i]));
        }
    }
    {
        std::lock_guard lock(mutex_);
        committed_ += written->events.size();
        decided_ += batch.size();
        failing_ = false;
        lastError_.reset();
        updateHealthLocked();
    }
    flushed_.notify_all();
    handToBus(std::move(written->events), std::move(dones), weight);
    return true;
}

Result<AuditedRecorder::WrittenBatch> AuditedRecorder::writeBatch(std::vector<Change>& batch) {
    WrittenBatch written;
    std::vector<ChainedCount> chained(batch.size());
    Result<void> ok = sql_.begin.run();
    if (!ok) {
        ok = makeError("audit.append", "cannot start the audit transaction: " + ok.error().message);
    } else {
        ok = writeChanges(batch, written, chained);
        if (ok) {
            if (auto r = sql_.commit.run(); !r) {
                ok = makeError("audit.append", "commit failed: " + r.error().message);
            }
        }
        if (!ok && db_->inTransaction()) {
            (void)sql_.rollback.run();
        }
    }
    if (ok) {
        return written;
    }
    // Give the events back to their Changes, for the retry; the ones an apply produced are
    // dropped (the retry's apply makes them again).
    std::size_t next = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (std::size_t k = 0; k < chained[i].fromChange; ++k) {
            batch[i].events[k] = std::move(written.events[next++].event);
        }
        next += chained[i].fromApply;
    }
    return ok.error();
}

Result<void> AuditedRecorder::writeChanges(std::vector<Change>& batch, WrittenBatch& written,
                                           std::vector<ChainedCount>& chainedPerChange) {
    if (auto r = appender_.startChain(); !r) {
        return r;
    }
    std::size_t total = 0;
    for (const auto& change : batch) {
        total += change.events.size();
    }
    written.events.reserve(total);
    written.outcomes.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        Change& change = batch[i];
        std::vector<Event> produced;
        if (change.apply) {
            if (auto r = sql_.savepoint.run(); !r) {
                return makeError("audit.append", "cannot open a savepoint: " + r.error().message);
            }
            auto applied = runApply(change, *db_);
            if (!db_->inTransaction()) {
                // SQLite ended the whole transaction itself (disk full, I/O error): a store
                // failure, not this change's refusal. The batch is retried.
                return makeError("audit.append",
                                 "the store rolled the transaction back while applying a change: " +
                                     (applied ? db_->lastError() : applied.error().message));
            }
            if (!applied) {
                if (auto r = sql_.rollbackToSavepoint.run(); !r) {
                    return makeError("audit.append",
                                     "cannot roll a change back: " + r.error().message);
                }
                if (auto r = sql_.releaseSavepoint.run(); !r) {
                    return makeError("audit.append",
                                     "cannot release a savepoint: " + r.error().message);
                }
                written.outcomes.push_back(applied.error());
                continue;
            }
            if (auto r = sql_.releaseSavepoint.run(); !r) {
                return makeError("audit.append",
                                 "cannot release a savepoint: " + r.error().message);
            }
            produced = std::move(*applied);
        }
        for (auto& event : change.events) {
            auto recorded = appender_.chain(std::move(event));
            if (!recorded) {
                return recorded.error();
            }
            written.events.push_back(std::move(*recorded));
            ++chainedPerChange[i].fromChange;
        }
        for (auto& event : produced) {
            auto recorded = appender_.chain(std::move(event));
            if (!recorded) {
                return recorded.error();
            }
            written.events.push_back(std::move(*recorded));
            ++chainedPerChange[i].fromApply;
        }
        written.outcomes.push_back(Result<void>());
    }
    return {};
}

void AuditedRecorder::handToBus(std::vector<RecordedEvent> events,
                                std::vector<std::pair<Done, Result<void>>> dones,
                                std::size_t weight) {
    boost::asio::post(
        publisher_, [this, events = std::move(events), dones = std::move(dones), weight]() mutable {
            std::vector<std::vector<RecordedEvent>> reclaimed;
            {
                std::lock_guard lock(spent_->mutex);
                reclaimed.swap(spent_->batches);
            }
            reclaimed.clear();  // here, not on the io thread (see SpentBatches)
            for (auto& e : events) {
                e.body = parsePayloadBody(e.event.payload);
            }
            boost::asio::post(io_, [bus = bus_, spent = spent_, events = std::move(events),
                                    dones = std::move(dones)]() mutable {
                for (const auto& e : events) {
                    bus->publish(e);
                }
                for (const auto& [done, outcome] : dones) {
                    done(outcome);
                }
                std::lock_guard lock(spent->mutex);
                spent->batches.push_back(std::move(events));
            });
            release(weight);
        });
}

void AuditedRecorder::release(std::size_t weight) {
    std::optional<Event> refusedEvent;
    std::uint64_t refused = 0;
    {
        std::lock_guard lock(mutex_);
        held_ -= weight;
        if (refusedInEpisode_ != 0 && held_ <= options_.maxQueued / 2) {
            refused = refusedInEpisode_;
            nlohmann::json payload{{"count", refusedInEpisode_},
                                   {"first_us", firstRefusedUs_},
                                   {"last_us", lastRefusedUs_}};
            refusedInEpisode_ = 0;
            updateHealthLocked();
            if (!stopping_) {
                // Recorded past the bound: it is the record of what the bound refused.
                Change change;
                change.events.push_back(Event{clock_->nowUs(), std::string(kAuditEventsRefused),
                                              "audit", "", payload.dump()});
                held_ += 1;
                ++accepted_;
                queue_.push_back(std::move(change));
            }
        }
    }
    if (refused != 0) {
        logWarning("audit", "audit queue drained; " + std::to_string(refused) +
                                " events were refused while it was full (recorded as " +
                                std::string(kAuditEventsRefused) + ")");
        wake_.notify_one();
    }
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
