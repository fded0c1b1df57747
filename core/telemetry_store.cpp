#include "core/telemetry_store.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "core/log.hpp"

namespace sekimori::core {
namespace {

constexpr std::string_view kComponent = "telemetry";

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> list{
        {1,
         "CREATE TABLE telemetry_points ("
         " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT NOT NULL);"
         "CREATE TABLE telemetry_raw ("
         " point INTEGER NOT NULL REFERENCES telemetry_points(id),"
         " time_us INTEGER NOT NULL, value REAL NOT NULL);"
         "CREATE INDEX telemetry_raw_by_point_time ON telemetry_raw(point, time_us);"
         "CREATE TABLE telemetry_minute ("
         " point INTEGER NOT NULL REFERENCES telemetry_points(id), bucket_us INTEGER NOT NULL,"
         " value_min REAL NOT NULL, value_max REAL NOT NULL, value_sum REAL NOT NULL,"
         " samples INTEGER NOT NULL, UNIQUE(point, bucket_us));"
         "CREATE TABLE telemetry_hour ("
         " point INTEGER NOT NULL REFERENCES telemetry_points(id), bucket_us INTEGER NOT NULL,"
         " value_min REAL NOT NULL, value_max REAL NOT NULL, value_sum REAL NOT NULL,"
         " samples INTEGER NOT NULL, UNIQUE(point, bucket_us));"}};
    return list;
}

// One downsampled tier. The names are constants of this file, never input.
struct Tier {
    std::string_view table;
    TimeUs widthUs;
};
constexpr Tier kMinuteTier{"telemetry_minute", kTelemetryMinuteUs};
constexpr Tier kHourTier{"telemetry_hour", kTelemetryHourUs};

TimeUs bucketStart(TimeUs timeUs, TimeUs widthUs) {
    const TimeUs q = timeUs / widthUs;
    return (timeUs % widthUs != 0 && timeUs < 0 ? q - 1 : q) * widthUs;
}

struct Aggregate {
    double min = 0;
    double max = 0;
    double sum = 0;
    std::int64_t count = 0;

    void add(double v) {
        min = count == 0 ? v : std::min(min, v);
        max = count == 0 ? v : std::max(max, v);
        sum += v;
        ++count;
    }
};
using Buckets = std::map<std::pair<std::int64_t, TimeUs>, Aggregate>;  // (point, start)

Result<void> upsertBuckets(Database& db, const Tier& tier, const Buckets& buckets) {
    auto upsert = db.prepare(
        "INSERT INTO " + std::string(tier.table) +
        "(point, bucket_us, value_min, value_max, value_sum, samples)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(point, bucket_us) DO UPDATE SET"
        " value_min = min(value_min, excluded.value_min),"
        " value_max = max(value_max, excluded.value_max),"
        " value_sum = value_sum + excluded.value_sum, samples = samples + excluded.samples");
    if (!upsert) {
        return upsert.error();
    }
    for (const auto& [key, a] : buckets) {
        upsert->bind(1, key.first)
            .bind(2, key.second)
            .bindDouble(3, a.min)
            .bindDouble(4, a.max)
            .bindDouble(5, a.sum)
            .bind(6, a.count);
        if (auto r = upsert->run(); !r) {
            return r;
        }
    }
    return {};
}

// Deletes what is older than the retention, then the oldest rows beyond the cap. Rows are
// appended in time order, so the lowest rowids are the oldest; a cap by rowid costs only the
// rows it deletes.
Result<void> pruneTable(Database& db, std::string_view table, std::string_view timeColumn,
                        TimeUs cutoffUs, std::int64_t maxRows) {
    auto byAge = db.prepare("DELETE FROM " + std::string(table) +
                            " WHERE point IN (SELECT id FROM telemetry_points) AND " +
                            std::string(timeColumn) + " < ?1");
    if (!byAge) {
        return byAge.error();
    }
    if (auto r = byAge->bind(1, cutoffUs).run(); !r) {
        return r;
    }
    auto byCap =
        db.prepare("DELETE FROM " + std::string(table) +
                   " WHERE rowid <= (SELECT max(rowid) FROM " + std::string(table) + ") - ?1");
    if (!byCap) {
        return byCap.error();
    }
    return byCap->bind(1, maxRows).run();
}

Result<void> inTransaction(Database& db, const std::function<Result<void>()>& body) {
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
        return r;
    }
    auto done = body();
    if (done) {
        done = db.exec("COMMIT");
    }
    if (!done) {
        // SQLite may already have left the transaction (disk full, I/O error): then this fails
        // harmlessly with "no transaction is active".
        (void)db.exec("ROLLBACK");
    }
    return done;
}

Result<std::int64_t> countRows(Database& db, std::string_view table) {
    auto count = db.prepare("SELECT count(*) FROM " + std::string(table));
    if (!count) {
        return count.error();
    }
    auto row = count->step();
    if (!row) {
        return row.error();
    }
    return count->columnInt(0);
}

}  // namespace

std::string_view toString(TelemetryResolution resolution) {
    switch (resolution) {
        case TelemetryResolution::raw:
            return "raw";
        case TelemetryResolution::minute:
            return "minute";
        case TelemetryResolution::hour:
            return "hour";
        case TelemetryResolution::automatic:
            return "automatic";
    }
    return "automatic";
}

Result<std::unique_ptr<TelemetryStore>> TelemetryStore::open(TelemetryStoreOptions options,
                                                             const Clock& clock) {
    if (options.path.empty()) {
        return makeError("telemetry.no_path", "the telemetry store needs a file path");
    }
    if (options.maxBatch == 0 || options.maxQueued == 0 || options.maxRawRows < 1 ||
        options.maxMinuteRows < 1 || options.maxHourRows < 1 || options.rawRetentionUs <= 0 ||
        options.minuteRetentionUs <= 0 || options.hourRetentionUs <= 0) {
        return makeError("telemetry.bad_options",
                         "telemetry store: batch, queue, row caps and retentions must be positive");
    }
    auto writer = Database::open(options.path);
    if (!writer) {
        return writer.error();
    }
    // Samples are not audit data: a power cut may lose the last batches, never the file.
    if (auto r = (*writer)->exec("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000"); !r) {
        return r.error();
    }
    if (auto r = (*writer)->migrate("telemetry", migrations()); !r) {
        return r.error();
    }
    auto reader = Database::open(options.path, Database::Mode::readOnly);
    if (!reader) {
        return reader.error();
    }
    std::unique_ptr<TelemetryStore> store(new TelemetryStore(
        std::move(writer.value()), std::move(reader.value()), std::move(options), clock));
    store->thread_ = std::thread([s = store.get()] { s->run(); });
    return store;
}

TelemetryStore::TelemetryStore(std::unique_ptr<Database> writer, std::unique_ptr<Database> reader,
                               TelemetryStoreOptions options, const Clock& clock)
    : writer_(std::move(writer)),
      reader_(std::move(reader)),
      options_(std::move(options)),
      clock_(&clock),
      lastMaintenanceUs_(clock.nowUs()) {}

TelemetryStore::~TelemetryStore() {
    stop();
}

void TelemetryStore::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void TelemetryStore::append(TelemetrySample sample) {
    bool wakeNow = false;
    {
        std::lock_guard lock(mutex_);
        ++appended_;
        if (stopping_) {  // no writer will take it
            ++dropped_;
            ++handled_;
            return;
        }
        if (queue_.size() >= options_.maxQueued) {
            queue_.pop_front();  // the newest values matter most
            ++dropped_;
            ++handled_;
        }
        queue_.push_back(std::move(sample));
        wakeNow = queue_.size() >= options_.maxBatch;
    }
    if (wakeNow) {
        wake_.notify_one();
    }
}

Result<void> TelemetryStore::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = appended_;
    flushWanted_ = std::max(flushWanted_, target);
    lastError_.reset();
    wake_.notify_one();
    done_.wait(lock, [&] { return handled_ >= target || writerDone_; });
    if (handled_ < target) {
        return makeError("telemetry.stopped", "the telemetry store was stopped before the flush");
    }
    if (lastError_) {
        return *lastError_;
    }
    return {};
}

Result<void> TelemetryStore::maintain() {
    std::unique_lock lock(mutex_);
    const std::uint64_t request = ++maintainRequests_;
    wake_.notify_one();
    done_.wait(lock, [&] { return maintainDone_ >= request || writerDone_; });
    if (maintainDone_ < request) {
        return makeError("telemetry.stopped", "the telemetry store was stopped");
    }
    if (maintainError_) {
        return *maintainError_;
    }
    return {};
}

void TelemetryStore::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_for(lock, options_.batchInterval, [&] {
            return stopping_ || queue_.size() >= options_.maxBatch || flushWanted_ > handled_ ||
                   maintainRequests_ > maintainDone_;
        });
        std::vector<TelemetrySample> batch;
        const std::size_t take = std::min(queue_.size(), options_.maxBatch);
        batch.reserve(take);
        for (std::size_t i = 0; i < take; ++i) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        const std::uint64_t maintainWanted = maintainRequests_;
        lock.unlock();

        Result<void> wrote;
        if (!batch.empty()) {
            wrote = writeBatch(batch);
            if (!wrote) {
                report(wrote.error());
            }
        }
        const TimeUs now = clock_->nowUs();
        const bool maintenanceDue = now - lastMaintenanceUs_ >= options_.maintenanceIntervalUs;
        std::optional<Result<void>> pruned;
        if (maintenanceDue || maintainWanted > maintainDone_) {
            pruned = prune();
            lastMaintenanceUs_ = now;
            if (!pruned->ok()) {
                report(pruned->error());
            }
        }

        lock.lock();
        handled_ += batch.size();
        if (wrote) {
            written_ += batch.size();
        } else {
            dropped_ += batch.size();
            lastError_ = wrote.error();
        }
        if (pruned) {
            maintainError_.reset();
            if (!pruned->ok()) {
                maintainError_ = pruned->error();
            }
            maintainDone_ = std::max(maintainDone_, maintainWanted);
        }
        done_.notify_all();
        if (stopping_ && queue_.empty()) {
            break;
        }
    }
    writerDone_ = true;
    done_.notify_all();
}

Result<std::int64_t> TelemetryStore::pointId(const std::string& name, const std::string& unit) {
    auto known = points_.find(name);
    if (known != points_.end() && known->second.second == unit) {
        return known->second.first;
    }
    auto upsert = writer_->prepare(
        "INSERT INTO telemetry_points(name, unit) VALUES(?1, ?2)"
        " ON CONFLICT(name) DO UPDATE SET unit = excluded.unit RETURNING id");
    if (!upsert) {
        return upsert.error();
    }
    upsert->bind(1, name).bind(2, unit);
    auto row = upsert->step();
    if (!row) {
        return row.error();
    }
    const std::int64_t id = upsert->columnInt(0);
    upsert->reset();
    points_[name] = {id, unit};
    return id;
}

Result<void> TelemetryStore::writeBatch(const std::vector<TelemetrySample>& batch) {
    auto done = inTransaction(*writer_, [&]() -> Result<void> {
        auto insert =
            writer_->prepare("INSERT INTO telemetry_raw(point, time_us, value) VALUES(?1, ?2, ?3)");
        if (!insert) {
            return insert.error();
        }
        Buckets minutes;
        Buckets hours;
        for (const auto& sample : batch) {
            auto id = pointId(sample.point, sample.unit);
            if (!id) {
                return id.error();
            }
            insert->bind(1, *id).bind(2, sample.timeUs).bindDouble(3, sample.value);
            if (auto r = insert->run(); !r) {
                return r;
            }
            minutes[{*id, bucketStart(sample.timeUs, kMinuteTier.widthUs)}].add(sample.value);
            hours[{*id, bucketStart(sample.timeUs, kHourTier.widthUs)}].add(sample.value);
        }
        if (auto r = upsertBuckets(*writer_, kMinuteTier, minutes); !r) {
            return r;
        }
        return upsertBuckets(*writer_, kHourTier, hours);
    });
    if (!done) {
        points_.clear();  // ids learnt inside the rolled-back transaction are gone
    }
    return done;
}

Result<void> TelemetryStore::prune() {
    const TimeUs now = clock_->nowUs();
    return inTransaction(*writer_, [&]() -> Result<void> {
        if (auto r = pruneTable(*writer_, "telemetry_raw", "time_us", now - options_.rawRetentionUs,
                                options_.maxRawRows);
            !r) {
            return r;
        }
        // A bucket goes once all of it is older than the retention.
        if (auto r = pruneTable(*writer_, kMinuteTier.table, "bucket_us",
                                now - options_.minuteRetentionUs - kMinuteTier.widthUs + 1,
                                options_.maxMinuteRows);
            !r) {
            return r;
        }
        return pruneTable(*writer_, kHourTier.table, "bucket_us",
                          now - options_.hourRetentionUs - kHourTier.widthUs + 1,
                          options_.maxHourRows);
    });
}

void TelemetryStore::report(const Error& error) {
    logWarning(kComponent, error.message);
    if (options_.onError) {
        options_.onError(error);
    }
}

TelemetryResolution TelemetryStore::resolve(const TelemetryQuery& query) const {
    if (query.resolution != TelemetryResolution::automatic) {
        return query.resolution;
    }
    const TimeUs now = clock_->nowUs();
    const TimeUs span = query.toUs - query.fromUs;
    if (query.fromUs >= now - options_.rawRetentionUs && span <= 2 * kTelemetryHourUs) {
        return TelemetryResolution::raw;
    }
    if (query.fromUs >= now - options_.minuteRetentionUs && span <= 7 * kTelemetryDayUs) {
        return TelemetryResolution::minute;
    }
    return TelemetryResolution::hour;
}

Result<TelemetrySeries> queryTelemetry(Database& reader, const TelemetryQuery& query,
                                       TelemetryResolution resolution) {
    if (query.toUs <= query.fromUs || query.limit == 0) {
        return makeError("telemetry.bad_query",
                         "telemetry query for " + query.point + ": needs from < to and a limit");
    }
    TelemetrySeries series;
    series.point = query.point;
    series.resolution =
        resolution == TelemetryResolution::automatic ? TelemetryResolution::raw : resolution;
    auto point = reader.prepare("SELECT id, unit FROM telemetry_points WHERE name = ?1");
    if (!point) {
        return point.error();
    }
    point->bind(1, query.point);
    auto found = point->step();
    if (!found) {
        return found.error();
    }
    if (!found.value()) {
        return makeError("telemetry.unknown_point",
                         "no telemetry stored for point '" + query.point + "'");
    }
    const std::int64_t id = point->columnInt(0);
    series.unit = point->columnText(1);

    const bool raw = series.resolution == TelemetryResolution::raw;
    const Tier& tier = series.resolution == TelemetryResolution::hour ? kHourTier : kMinuteTier;
    auto rows = reader.prepare(
        raw ? std::string("SELECT time_us, value, value, value, 1 FROM telemetry_raw"
                          " WHERE point = ?1 AND time_us >= ?2 AND time_us < ?3"
                          " ORDER BY time_us LIMIT ?4")
            : "SELECT bucket_us, value_min, value_max, value_sum / samples, samples FROM " +
                  std::string(tier.table) +
                  " WHERE point = ?1 AND bucket_us >= ?2 AND bucket_us < ?3"
                  " ORDER BY bucket_us LIMIT ?4");
    if (!rows) {
        return rows.error();
    }
    rows->bind(1, id)
        .bind(2, query.fromUs)
        .bind(3, query.toUs)
        .bind(4, static_cast<std::int64_t>(query.limit) + 1);
    for (;;) {
        auto more = rows->step();
        if (!more) {
            return more.error();
        }
        if (!more.value()) {
            break;
        }
        if (series.buckets.size() == query.limit) {
            series.truncated = true;
            break;
        }
        series.buckets.push_back(TelemetryBucket{rows->columnInt(0), rows->columnDouble(1),
                                                 rows->columnDouble(2), rows->columnDouble(3),
                                                 rows->columnInt(4)});
    }
    return series;
}

Result<TelemetrySeries> TelemetryStore::query(const TelemetryQuery& query) const {
    const TelemetryResolution resolution = resolve(query);
    std::lock_guard lock(readerMutex_);
    return queryTelemetry(*reader_, query, resolution);
}

Result<TelemetryStoreCounts> TelemetryStore::counts() const {
    std::lock_guard lock(readerMutex_);
    TelemetryStoreCounts c;
    for (auto [table, out] :
         {std::pair{"telemetry_raw", &c.rawRows}, std::pair{"telemetry_minute", &c.minuteRows},
          std::pair{"telemetry_hour", &c.hourRows}}) {
        auto n = countRows(*reader_, table);
        if (!n) {
            return n.error();
        }
        *out = *n;
    }
    return c;
}

std::uint64_t TelemetryStore::writtenCount() const {
    std::lock_guard lock(mutex_);
    return written_;
}

std::uint64_t TelemetryStore::droppedCount() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace sekimori::core
