#pragma once
// The audit hash chain: the canonical encoding of an event, its SHA-256 link to the previous
// event, the audit tables, and the one-transaction append that every writer (daemon or CLI)
// uses so that several processes can extend the same chain safely, alone or inside a
// transaction that also writes the state change the events record.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

// Domain tag that starts every event encoding (docs/audit.md, "Event hash").
inline constexpr std::string_view kAuditEventTag = "sekimori.audit.event.v1";

// tag, seq (u64 BE), time_us (i64 BE), type, source, subject, payload, prev_hash (32 raw
// bytes); every string is a u32 BE byte length followed by its bytes.
Bytes encodeAuditEvent(std::uint64_t seq, const Event& event, const Hash& prevHash);
Hash auditEventHash(std::uint64_t seq, const Event& event, const Hash& prevHash);

// Stores a checkpoint row; a newer one of the same tree size replaces the older (heartbeats).
extern const char* const kInsertCheckpointSql;
// The time of the newest checkpoint (the one of the largest tree size), 0 when none.
extern const char* const kNewestCheckpointTimeSql;

// Creates audit_events and audit_checkpoints (migration component "audit").
Result<void> migrateAuditSchema(Database& db);

// The newest stored event: seq 0, 32 zero bytes and time 0 for an empty chain (the genesis
// link).
struct ChainHead {
    std::uint64_t seq = 0;
    Hash hash{};
    TimeUs timeUs = 0;
};
// Reads the head; call inside a transaction when the result decides what to write.
Result<ChainHead> readChainHead(Database& db);

// Signs (tree size, head hash, time) (core/audit_checkpoint.hpp).
struct Checkpoint {
    std::uint64_t treeSize = 0;  // number of events covered: seq 1..treeSize
    Hash headHash{};             // hash of event treeSize (32 zero bytes when treeSize is 0)
    TimeUs timeUs = 0;
    Bytes signature;  // Ed25519 over encodeCheckpoint() (core/audit_checkpoint.hpp), 64 bytes
};

struct AppendOutcome {
    std::vector<RecordedEvent> events;
};

// The recording time of the next event (docs/audit.md, "Recorded time"): the event's own time
// (or now when it has none), but never before the previous row's time nor before the newest
// checkpoint's, so time_us never goes back along seq and no event is dated before a
// checkpoint that precedes it. An event that happened earlier (an offline panel's upload)
// keeps its own time in its payload as "occurred_us".
TimeUs recordingTime(TimeUs eventUs, TimeUs nowUs, TimeUs previousRowUs, TimeUs checkpointUs);

// Chains events into audit_events. The head is always read from the table inside the write
// transaction (another process may have appended since), so the daemon and CLI processes can
// extend one chain in turn. Keeps its prepared statements: a long-lived writer prepares once.
// Every insert must change exactly one row: a trigger that drops it (RAISE(IGNORE)) makes the
// append fail, and create() refuses a schema the contract does not list (core/audit_schema).
class AuditAppender {
  public:
    // `db` must outlive the appender and have the audit schema (migrateAuditSchema); a schema
    // with objects the contract does not list is refused (audit.schema_tampered).
    static Result<AuditAppender> create(Database& db);

    // Its own BEGIN IMMEDIATE transaction. On error nothing was stored (rolled back).
    Result<AppendOutcome> append(std::vector<Event> events);

    // Takes part in a write transaction the caller opened (BEGIN IMMEDIATE) on the appender's
    // connection and will commit: the caller's own rows and these events become durable
    // together or not at all. On error the caller must roll back.
    Result<AppendOutcome> appendWithin(std::vector<Event> events);

    // The steps appendWithin is made of, for a writer that interleaves its own writes between
    // events (the recorder applies each Change before chaining its events), all inside one open
    // write transaction: startChain reads the head and the newest checkpoint's time; chain
    // stamps the recording time (recordingTime), links and inserts one event, moving from it
    // only when it was stored.
    Result<void> startChain();
    Result<RecordedEvent> chain(Event&& event);

  private:
    AuditAppender(Database& db, Statement head, Statement insert, Statement newestCheckpoint,
                  Statement schemaVersion, std::int64_t checkedSchemaVersion)
        : db_(&db),
          head_(std::move(head)),
          insert_(std::move(insert)),
          newestCheckpoint_(std::move(newestCheckpoint)),
          schemaVersion_(std::move(schemaVersion)),
          checkedSchemaVersion_(checkedSchemaVersion) {}
    // Checks the schema contract again when the schema changed since it was last checked (a
    // trigger added while the daemon runs); PRAGMA schema_version is a read of the header.
    Result<void> recheckSchemaIfChanged();

    Database* db_;
    Statement head_;
    Statement insert_;
    Statement newestCheckpoint_;
    Statement schemaVersion_;
    std::int64_t checkedSchemaVersion_;
    // Between startChain and the end of the transaction.
    ChainHead chainHead_;
    TimeUs chainNowUs_ = 0;
    TimeUs checkpointUs_ = 0;
};

// For one-shot processes (the CLI): migrates if needed, then in ONE BEGIN IMMEDIATE
// transaction runs `write` (the caller's own rows) and appends the events it returns; both are
// stored or neither (an error from `write` or the append rolls everything back). Every event
// is stamped with its recording time inside the transaction (recordingTime).
using AuditedWrite = std::function<Result<std::vector<Event>>()>;
Result<std::vector<RecordedEvent>> commitWithEvents(Database& db, const AuditedWrite& write);

// commitWithEvents with nothing but the events.
Result<std::vector<RecordedEvent>> appendEvents(Database& db, std::vector<Event> events);

}  // namespace sekimori::core
