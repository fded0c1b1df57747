#include "core/audit_chain.hpp"

#include <algorithm>
#include <limits>

namespace sekimori::core {
namespace {

void putU32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
}

void putU64(Bytes& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
}

void putString(Bytes& out, std::string_view s) {
    putU32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

std::string_view hashView(const Hash& h) {
    return {reinterpret_cast<const char*>(h.data()), h.size()};
}

const std::vector<Migration>& auditMigrations() {
    static const std::vector<Migration> migrations{
        {1,
         "CREATE TABLE audit_events(seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL,"
         " type TEXT NOT NULL, source TEXT NOT NULL, subject TEXT NOT NULL,"
         " payload TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);"
         "CREATE TABLE audit_checkpoints(tree_size INTEGER PRIMARY KEY,"
         " head_hash BLOB NOT NULL, time_us INTEGER NOT NULL, signature BLOB NOT NULL);"}};
    return migrations;
}

}  // namespace

const char* const kInsertCheckpointSql =
    "INSERT INTO audit_checkpoints(tree_size, head_hash, time_us, signature)"
    " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(tree_size) DO UPDATE SET"
    " head_hash = excluded.head_hash, time_us = excluded.time_us,"
    " signature = excluded.signature WHERE excluded.time_us > time_us";

Bytes encodeAuditEvent(std::uint64_t seq, const Event& event, const Hash& prevHash) {
    Bytes out;
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
    return out;
}

Hash auditEventHash(std::uint64_t seq, const Event& event, const Hash& prevHash) {
    return sha256(encodeAuditEvent(seq, event, prevHash));
}

Result<void> migrateAuditSchema(Database& db) {
    return db.migrate("audit", auditMigrations());
}

Result<ChainHead> readChainHead(Database& db) {
    auto head = db.prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
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
    }
    return out;
}

Result<AuditAppender> AuditAppender::create(Database& db) {
    auto head = db.prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
    if (!head) {
        return head.error();
    }
    auto insert = db.prepare(
        "INSERT INTO audit_events(seq, time_us, type, source, subject, payload, prev_hash, hash)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert) {
        return insert.error();
    }
    auto newest = db.prepare("SELECT max(time_us) FROM audit_checkpoints");
    if (!newest) {
        return newest.error();
    }
    auto insertCheckpoint = db.prepare(kInsertCheckpointSql);
    if (!insertCheckpoint) {
        return insertCheckpoint.error();
    }
    return AuditAppender(db, std::move(*head), std::move(*insert), std::move(*newest),
                         std::move(*insertCheckpoint));
}

Result<AppendOutcome> AuditAppender::append(const std::vector<Event>& events,
                                            const HeadSigner& coverBackdated) {
    if (events.empty()) {
        return AppendOutcome{};
    }
    if (auto r = db_->exec("BEGIN IMMEDIATE"); !r) {
        return makeError("audit.append",
                         "cannot start the audit transaction: " + r.error().message);
    }
    auto recorded = appendInTransaction(events, coverBackdated);
    if (recorded) {
        if (auto r = db_->exec("COMMIT"); !r) {
            recorded = makeError("audit.append", "commit failed: " + r.error().message);
        }
    }
    if (!recorded) {
        (void)db_->exec("ROLLBACK");
    }
    return recorded;
}

Result<AppendOutcome> AuditAppender::appendInTransaction(const std::vector<Event>& events,
                                                         const HeadSigner& coverBackdated) {
    ChainHead head;
    auto row = head_.step();
    if (!row) {
        head_.reset();
        return makeError("audit.append", "cannot read the chain head: " + row.error().message);
    }
    if (*row) {
        head.seq = static_cast<std::uint64_t>(head_.columnInt(0));
        const std::string hash = head_.columnBlob(1);
        if (hash.size() != head.hash.size()) {
            head_.reset();
            return makeError("audit.corrupt", "stored hash of seq " + std::to_string(head.seq) +
                                                  " is not 32 bytes; run sekimori audit verify");
        }
        std::copy(hash.begin(), hash.end(), head.hash.begin());
    }
    head_.reset();

    AppendOutcome outcome;
    auto& out = outcome.events;
    out.reserve(events.size());
    TimeUs oldest = std::numeric_limits<TimeUs>::max();
    const TimeUs nowUs = SystemClock().nowUs();
    for (const auto& event : events) {
        RecordedEvent r;
        r.seq = head.seq + 1;
        r.event = event;
        if (r.event.timeUs == 0) {
            r.event.timeUs = nowUs;  // stamped inside the transaction: never before a checkpoint
        }
        r.prevHash = head.hash;
        r.hash = auditEventHash(r.seq, r.event, r.prevHash);
        insert_.bind(1, static_cast<std::int64_t>(r.seq))
            .bind(2, std::int64_t{r.event.timeUs})
            .bind(3, r.event.type)
            .bind(4, r.event.source)
            .bind(5, r.event.subject)
            .bind(6, r.event.payload)
            .bindBlob(7, r.prevHash.data(), r.prevHash.size())
            .bindBlob(8, r.hash.data(), r.hash.size());
        if (auto inserted = insert_.run(); !inserted) {
            return makeError("audit.append", "cannot store audit event seq " +
                                                 std::to_string(r.seq) + ": " +
                                                 inserted.error().message);
        }
        head.seq = r.seq;
        head.hash = r.hash;
        oldest = std::min(oldest, r.event.timeUs);
        out.push_back(std::move(r));
    }
    if (coverBackdated) {
        auto newest = newestCheckpoint_.step();
        const bool backdated = newest && *newest && !newestCheckpoint_.columnIsNull(0) &&
                               oldest < newestCheckpoint_.columnInt(0);
        newestCheckpoint_.reset();
        if (!newest) {
            return makeError("audit.append",
                             "cannot read the newest checkpoint: " + newest.error().message);
        }
        if (backdated) {
            Checkpoint c = coverBackdated(head.seq, head.hash);
            insertCheckpoint_.bind(1, static_cast<std::int64_t>(c.treeSize))
                .bindBlob(2, c.headHash.data(), c.headHash.size())
                .bind(3, std::int64_t{c.timeUs})
                .bindBlob(4, c.signature.data(), c.signature.size());
            if (auto r = insertCheckpoint_.run(); !r) {
                return makeError("audit.append",
                                 "cannot store the covering checkpoint: " + r.error().message);
            }
            outcome.checkpoint = std::move(c);
        }
    }
    return outcome;
}

Result<std::vector<RecordedEvent>> appendEvents(Database& db, std::vector<Event> events) {
    if (auto r = migrateAuditSchema(db); !r) {
        return r.error();
    }
    auto appender = AuditAppender::create(db);
    if (!appender) {
        return appender.error();
    }
    auto outcome = appender->append(events);
    if (!outcome) {
        return outcome.error();
    }
    return std::move(outcome->events);
}

}  // namespace sekimori::core
