#include "core/audit_chain.hpp"

#include <openssl/evp.h>

#include <sqlite3.h>

#include <algorithm>

#include "core/audit_schema.hpp"

namespace sekimori::core {
namespace {

void putU32(Bytes& out, std::uint32_t v) {
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                           static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(bytes, sizeof bytes);
}

void putU64(Bytes& out, std::uint64_t v) {
    putU32(out, static_cast<std::uint32_t>(v >> 32));
    putU32(out, static_cast<std::uint32_t>(v));
}

void putString(Bytes& out, std::string_view s) {
    putU32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

std::string_view hashView(const Hash& h) {
    return {reinterpret_cast<const char*>(h.data()), h.size()};
}

void encodeInto(Bytes& out, std::uint64_t seq, const Event& event, const Hash& prevHash) {
    out.clear();
    out.reserve(kAuditEventTag.size() + 4 * 5 + 16 + event.type.size() + event.source.size() +
                event.subject.size() + event.payload.size() + prevHash.size());
    putString(out, kAuditEventTag);
    putU64(out, seq);
    putU64(out, static_cast<std::uint64_t>(event.timeUs));
    putString(out, event.type);
    putString(out, event.source);
    putString(out, event.subject);
    putString(out, event.payload);
    out.append(hashView(prevHash));
}

// SHA-256 through OpenSSL's EVP, with one context reused per thread: OpenSSL uses the CPU's
// SHA extensions where libsodium's portable C does not, about 5x faster on events of a few
// hundred bytes, and hashing was the append path's largest cost after SQLite itself
// (bench/audit_append_bench.cpp). Same digest; libsodium stays the fallback.
class EventHasher {
  public:
    EventHasher() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
    ~EventHasher() {
        EVP_MD_CTX_free(ctx_);
        EVP_MD_free(md_);
    }
    EventHasher(const EventHasher&) = delete;
    EventHasher& operator=(const EventHasher&) = delete;

    Hash digest(std::string_view data) {
        Hash out{};
        unsigned int size = 0;
        if (md_ != nullptr && ctx_ != nullptr && EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1 &&
            EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx_, out.data(), &size) == 1 && size == out.size()) {
            return out;
        }
        return sha256(data);
    }

  private:
    EVP_MD* md_;
    EVP_MD_CTX* ctx_;
};

const std::vector<Migration>& auditMigrations() {
    static const std::vector<Migration> migrations{
        {1,
         std::string(kAuditEventsTableSql) + ";" + std::string(kAuditCheckpointsTableSql) + ";"}};
    return migrations;
}

}  // namespace

const char* const kInsertCheckpointSql =
    "INSERT INTO audit_checkpoints(tree_size, head_hash, time_us, signature)"
    " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(tree_size) DO UPDATE SET"
    " head_hash = excluded.head_hash, time_us = excluded.time_us,"
    " signature = excluded.signature WHERE excluded.time_us > time_us";

const char* const kNewestCheckpointTimeSql =
    "SELECT time_us FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1";

TimeUs recordingTime(TimeUs eventUs, TimeUs nowUs, TimeUs previousRowUs, TimeUs checkpointUs) {
    return std::max({eventUs != 0 ? eventUs : nowUs, previousRowUs, checkpointUs});
}

Bytes encodeAuditEvent(std::uint64_t seq, const Event& event, const Hash& prevHash) {
    Bytes out;
    encodeInto(out, seq, event, prevHash);
    return out;
}

Hash auditEventHash(std::uint64_t seq, const Event& event, const Hash& prevHash) {
    // Per thread, so that hashing a chain allocates nothing once the buffer has grown.
    thread_local Bytes encoding;
    thread_local EventHasher hasher;
    encodeInto(encoding, seq, event, prevHash);
    return hasher.digest(encoding);
}

Result<void> migrateAuditSchema(Database& db) {
    return db.migrate("audit", auditMigrations());
}

Result<ChainHead> readChainHead(Database& db) {
    auto head = db.prepare("SELECT seq, hash, time_us FROM audit_events ORDER BY seq DESC LIMIT 1");
    if (!head) {
        return head.error();
    }
    auto row = head->step();
    if (!row) {
        return row.error();
    }
    ChainHead out;
    if (*row) {
        out.seq = static_cast<std::uint64_t>(head->columnInt(0));
        const std::string hash = head->columnBlob(1);
        std::copy_n(hash.begin(), std::min(hash.size(), out.hash.size()), out.hash.begin());
        out.timeUs = head->columnInt(2);
    }
    return out;
}

Result<AuditAppender> AuditAppender::create(Database& db) {
    auto schemaVersion = db.prepare("PRAGMA schema_version");
    if (!schemaVersion) {
        return schemaVersion.error();
    }
    auto version = schemaVersion->step();
    if (!version) {
        return version.error();
    }
    const std::int64_t checkedVersion = schemaVersion->columnInt(0);
    schemaVersion->reset();
    if (auto r = requireAuditSchemaContract(db); !r) {
        return r.error();
    }
    auto head = db.prepare("SELECT seq, hash, time_us FROM audit_events ORDER BY seq DESC LIMIT 1");
    if (!head) {
        return head.error();
    }
    auto insert = db.prepare(
        "INSERT INTO audit_events(seq, time_us, type, source, subject, payload, prev_hash, hash)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert) {
        return insert.error();
    }
    auto newest = db.prepare(kNewestCheckpointTimeSql);
    if (!newest) {
        return newest.error();
    }
    return AuditAppender(db, std::move(*head), std::move(*insert), std::move(*newest),
                         std::move(*schemaVersion), checkedVersion);
}

Result<void> AuditAppender::recheckSchemaIfChanged() {
    auto row = schemaVersion_.step();
    const std::int64_t version = row && *row ? schemaVersion_.columnInt(0) : -1;
    schemaVersion_.reset();
    if (!row) {
        return makeError("audit.append", "cannot read the schema version: " + row.error().message);
    }
    if (version == checkedSchemaVersion_) {
        return {};
    }
    if (auto r = requireAuditSchemaContract(*db_); !r) {
        return r;
    }
    checkedSchemaVersion_ = version;
    return {};
}

Result<AppendOutcome> AuditAppender::append(std::vector<Event> events) {
    if (events.empty()) {
        return AppendOutcome{};
    }
    if (auto r = db_->exec("BEGIN IMMEDIATE"); !r) {
        return makeError("audit.append",
                         "cannot start the audit transaction: " + r.error().message);
    }
    auto recorded = appendWithin(std::move(events));
    if (recorded) {
        if (auto r = db_->exec("COMMIT"); !r) {
            recorded = makeError("audit.append", "commit failed: " + r.error().message);
        }
    }
    if (!recorded && db_->inTransaction()) {
        (void)db_->exec("ROLLBACK");
    }
    return recorded;
}

Result<AppendOutcome> AuditAppender::appendWithin(std::vector<Event> events) {
    if (auto r = startChain(); !r) {
        return r.error();
    }
    AppendOutcome outcome;
    outcome.events.reserve(events.size());
    for (auto& event : events) {
        auto recorded = chain(std::move(event));
        if (!recorded) {
            return recorded.error();
        }
        outcome.events.push_back(std::move(*recorded));
    }
    return outcome;
}

Result<void> AuditAppender::startChain() {
    if (!db_->inTransaction()) {
        return makeError("audit.no_transaction",
                         "the audit append must run inside the caller's write transaction");
    }
    if (auto r = recheckSchemaIfChanged(); !r) {
        return r;
    }
    chainHead_ = ChainHead{};
    chainNowUs_ = SystemClock().nowUs();
    checkpointUs_ = 0;
    auto row = head_.step();
    if (!row) {
        head_.reset();
        return makeError("audit.append", "cannot read the chain head: " + row.error().message);
    }
    if (*row) {
        chainHead_.seq = static_cast<std::uint64_t>(head_.columnInt(0));
        chainHead_.timeUs = head_.columnInt(2);
        const std::string hash = head_.columnBlob(1);
        if (hash.size() != chainHead_.hash.size()) {
            head_.reset();
            return makeError("audit.corrupt", "stored hash of seq " +
                                                  std::to_string(chainHead_.seq) +
                                                  " is not 32 bytes; run sekimori audit verify");
        }
        std::copy(hash.begin(), hash.end(), chainHead_.hash.begin());
    }
    head_.reset();
    auto newest = newestCheckpoint_.step();
    if (newest && *newest) {
        checkpointUs_ = newestCheckpoint_.columnInt(0);
    }
    newestCheckpoint_.reset();
    if (!newest) {
        return makeError("audit.append",
                         "cannot read the newest checkpoint: " + newest.error().message);
    }
    return {};
}

Result<RecordedEvent> AuditAppender::chain(Event&& event) {
    const TimeUs givenUs = event.timeUs;
    RecordedEvent r;
    r.seq = chainHead_.seq + 1;
    r.event = std::move(event);
    r.event.timeUs = recordingTime(givenUs, chainNowUs_, chainHead_.timeUs, checkpointUs_);
    r.prevHash = chainHead_.hash;
    r.hash = auditEventHash(r.seq, r.event, r.prevHash);
    // Bound without copies: `r` outlives the step, and run() resets the statement.
    insert_.bind(1, static_cast<std::int64_t>(r.seq))
        .bind(2, std::int64_t{r.event.timeUs})
        .bindTextRef(3, r.event.type)
        .bindTextRef(4, r.event.source)
        .bindTextRef(5, r.event.subject)
        .bindTextRef(6, r.event.payload)
        .bindBlobRef(7, r.prevHash.data(), r.prevHash.size())
        .bindBlobRef(8, r.hash.data(), r.hash.size());
    auto inserted = insert_.run();
    // A trigger's RAISE(IGNORE) skips the row and reports success: count what was stored.
    if (inserted && sqlite3_changes(db_->handle()) != 1) {
        inserted = makeError("audit.insert_dropped",
                             "the database did not store the row (a trigger or rule dropped it); "
                             "the audit schema was tampered with");
    }
    if (!inserted) {
        event = std::move(r.event);  // the caller keeps it, as given, to retry
        event.timeUs = givenUs;
        return makeError(inserted.error().code == "audit.insert_dropped" ? "audit.insert_dropped"
                                                                         : "audit.append",
                         "cannot store audit event seq " + std::to_string(r.seq) + ": " +
                             inserted.error().message);
    }
    chainHead_.seq = r.seq;
    chainHead_.hash = r.hash;
    chainHead_.timeUs = r.event.timeUs;
    return r;
}

Result<std::vector<RecordedEvent>> commitWithEvents(Database& db, const AuditedWrite& write) {
    if (auto r = migrateAuditSchema(db); !r) {
        return r.error();
    }
    auto appender = AuditAppender::create(db);
    if (!appender) {
        return appender.error();
    }
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) {
        return makeError("audit.append",
                         "cannot start the write transaction: " + r.error().message);
    }
    Result<std::vector<RecordedEvent>> result = makeError("audit.append", "not run");
    auto events = write();
    if (!events) {
        result = events.error();
    } else if (auto outcome = appender->appendWithin(std::move(*events)); !outcome) {
        result = outcome.error();
    } else if (auto committed = db.exec("COMMIT"); !committed) {
        result = makeError("audit.append", "commit failed: " + committed.error().message);
    } else {
        return std::move(outcome->events);
    }
    if (db.inTransaction()) {
        (void)db.exec("ROLLBACK");
    }
    return result;
}

Result<std::vector<RecordedEvent>> appendEvents(Database& db, std::vector<Event> events) {
    return commitWithEvents(db, [&]() -> Result<std::vector<Event>> { return std::move(events); });
}

}  // namespace sekimori::core
