#pragma once
// The bounded time-series store of telemetry samples (docs/telemetry.md). Its own SQLite file
// beside the site database, so polls never contend with the audit writer; its own writer
// thread, so the io thread only enqueues. Samples are kept three ways at once: raw, 1-minute
// and 1-hour buckets (min / max / avg / count), each with its own retention and row cap, so the
// store's size is bounded whatever the poll rate, and a long range is read at a coarse
// resolution after the raw samples are gone.
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
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

struct TelemetrySample {
    std::string point;  // the point's id (core/telemetry_point.hpp)
    std::string unit;
    TimeUs timeUs = 0;  // when the value was read
    double value = 0;   // a good value; stale and failed periods are gaps
};

inline constexpr TimeUs kTelemetryMinuteUs = 60'000'000;
inline constexpr TimeUs kTelemetryHourUs = 60 * kTelemetryMinuteUs;
inline constexpr TimeUs kTelemetryDayUs = 24 * kTelemetryHourUs;

struct TelemetryStoreOptions {
    std::string path;  // e.g. <data_dir>/telemetry.sqlite, beside sekimori.sqlite
    // The writer commits what is queued this often, or at once when maxBatch are queued.
    std::chrono::milliseconds batchInterval{1000};
    std::size_t maxBatch = 5000;
    // Beyond this many waiting samples the oldest are dropped (and counted): samples are not
    // audit data, and a stuck disk must not grow the daemon's memory.
    std::size_t maxQueued = 200'000;
    TimeUs rawRetentionUs = 2 * kTelemetryDayUs;
    TimeUs minuteRetentionUs = 31 * kTelemetryDayUs;
    TimeUs hourRetentionUs = 400 * kTelemetryDayUs;
    std::int64_t maxRawRows = 2'000'000;
    std::int64_t maxMinuteRows = 1'000'000;
    std::int64_t maxHourRows = 500'000;
    // Pruning runs after a commit once this much clock time has passed since the last one.
    TimeUs maintenanceIntervalUs = kTelemetryMinuteUs;
    // Called on the writer thread when a batch or a pruning pass fails; the batch is dropped.
    std::function<void(const Error& error)> onError;
};

enum class TelemetryResolution { raw, minute, hour, automatic };
std::string_view toString(TelemetryResolution resolution);

struct TelemetryQuery {
    std::string point;
    TimeUs fromUs = 0;  // inclusive; a bucket is returned when its start is in [from, to)
    TimeUs toUs = 0;    // exclusive
    TelemetryResolution resolution = TelemetryResolution::automatic;
    std::size_t limit = 10'000;
};

// One raw sample (min = max = avg, count 1) or one bucket starting at timeUs.
struct TelemetryBucket {
    TimeUs timeUs = 0;
    double min = 0;
    double max = 0;
    double avg = 0;
    std::int64_t count = 0;
};

struct TelemetrySeries {
    std::string point;
    std::string unit;
    TelemetryResolution resolution = TelemetryResolution::raw;  // never automatic
    std::vector<TelemetryBucket> buckets;                       // oldest first
    bool truncated = false;                                     // more than `limit` matched
};

struct TelemetryStoreCounts {
    std::int64_t rawRows = 0;
    std::int64_t minuteRows = 0;
    std::int64_t hourRows = 0;
};

// One query on a connection to a store's file: the store's own reader, or a read-only
// connection of another domain to it (a drill reads the power and hvac trends by their files).
// `automatic` reads raw samples here (only the store knows its retention). Blocking.
Result<TelemetrySeries> queryTelemetry(Database& reader, const TelemetryQuery& query,
                                       TelemetryResolution resolution);

class TelemetryStore {
  public:
    // Opens (creating) the file with its own connections (one writer, one reader), migrates the
    // schema and starts the writer. `clock` must outlive the store.
    static Result<std::unique_ptr<TelemetryStore>> open(TelemetryStoreOptions options,
                                                        const Clock& clock);
    ~TelemetryStore();
    TelemetryStore(const TelemetryStore&) = delete;
    TelemetryStore& operator=(const TelemetryStore&) = delete;

    // Non-blocking, any thread (the io thread included).
    void append(TelemetrySample sample);

    // Blocking (never on the io thread). Returns once every sample appended before the call is
    // committed or dropped; the error of a batch that failed meanwhile.
    Result<void> flush();
    // Blocking: prunes now, on the writer thread, by age and by row cap.
    Result<void> maintain();
    // Blocking reads on the store's reader connection (console worker threads).
    Result<TelemetrySeries> query(const TelemetryQuery& query) const;
    Result<TelemetryStoreCounts> counts() const;
    // The resolution `automatic` picks for a range ending now (docs/telemetry.md).
    TelemetryResolution resolve(const TelemetryQuery& query) const;

    // Commits what is queued and joins the writer. Idempotent.
    void stop();

    std::uint64_t writtenCount() const;
    std::uint64_t droppedCount() const;

  private:
    TelemetryStore(std::unique_ptr<Database> writer, std::unique_ptr<Database> reader,
                   TelemetryStoreOptions options, const Clock& clock);
    void run();
    Result<void> writeBatch(const std::vector<TelemetrySample>& batch);
    Result<std::int64_t> pointId(const std::string& name, const std::string& unit);
    Result<void> prune();
    void report(const Error& error);

    std::unique_ptr<Database> writer_;
    std::unique_ptr<Database> reader_;
    mutable std::mutex readerMutex_;
    TelemetryStoreOptions options_;
    const Clock* clock_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;  // writer: work, a flush, a maintain() or stop
    std::condition_variable done_;  // flush() / maintain(): progress
    std::deque<TelemetrySample> queue_;
    std::uint64_t appended_ = 0;
    std::uint64_t handled_ = 0;  // written or dropped
    std::uint64_t written_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t flushWanted_ = 0;  // writers of flush() wait for handled_ >= this
    std::optional<Error> lastError_;
    std::uint64_t maintainRequests_ = 0;
    std::uint64_t maintainDone_ = 0;
    std::optional<Error> maintainError_;
    bool stopping_ = false;
    bool writerDone_ = false;

    // Writer-thread state.
    std::unordered_map<std::string, std::pair<std::int64_t, std::string>> points_;  // id, unit
    TimeUs lastMaintenanceUs_ = 0;
    std::thread thread_;
};

}  // namespace sekimori::core
