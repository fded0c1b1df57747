#include "core/audit_verify.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/audit_chain.hpp"
#include "core/audit_checkpoint.hpp"
#include "core/audit_panel_signatures.hpp"
#include "core/audit_schema.hpp"
#include "core/audit_witness_check.hpp"
#include "core/crypto.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {
namespace {

Result<bool> tableExists(Database& db, const std::string& table) {
    auto select = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!select) {
        return select.error();
    }
    select->bind(1, table);
    return select->step();
}

// Every row of the audited tables against the newest digest the trail recorded (C2).
Result<std::uint64_t> checkRowDigests(Database& db, const std::vector<AuditedTable>& tables,
                                      std::vector<AuditFinding>& findings) {
    auto index = RowDigestIndex::load(db);
    if (!index) {
        findings.push_back({0, "row digests cannot be checked: " + index.error().message});
        return std::uint64_t{0};
    }
    std::vector<AuditedTable> present;
    for (const auto& table : tables) {
        auto exists = tableExists(db, table.table);
        if (!exists) {
            return exists.error();
        }
        if (*exists) {
            present.push_back(table);
            continue;
        }
        for (const auto& e : index->entries()) {
            if (e.table == table.table && e.digest) {
                findings.push_back({e.seq, "table " + table.table +
                                               " is gone, but the trail (seq " +
                                               std::to_string(e.seq) + ") recorded its rows"});
                break;
            }
        }
    }
    auto mismatches = findRowDigestMismatches(db, present, *index);
    if (!mismatches) {
        return mismatches.error();
    }
    for (const auto& m : *mismatches) {
        findings.push_back({m.seq, m.describe()});
    }
    std::uint64_t rows = 0;
    for (const auto& table : present) {
        auto all = digestAllRows(db, table);
        rows += all ? all->size() : 0;
    }
    return rows;
}

std::string shortHex(const Hash& h) {
    return toHex(h).substr(0, 16);
}

bool toHash(const std::string& bytes, Hash& out) {
    if (bytes.size() != out.size()) {
        return false;
    }
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return true;
}

struct SourcedCheckpoint {
    Checkpoint checkpoint;
    std::string origin;  // "file line 3" or "table"
};

Result<std::vector<SourcedCheckpoint>> readCheckpointFile(const std::string& path,
                                                          std::vector<AuditFinding>& findings) {
    std::ifstream in(path);
    if (!in) {
        return makeError("audit.checkpoint_file_missing", "cannot read checkpoint file " + path);
    }
    std::vector<SourcedCheckpoint> out;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) {
            continue;
        }
        auto c = checkpointFromJson(line);
        if (!c) {
            findings.push_back({0, "checkpoint file line " + std::to_string(number) +
                                       " is malformed: " + c.error().message});
            continue;
        }
        out.push_back({std::move(*c), "checkpoint file line " + std::to_string(number)});
    }
    return out;
}

Result<std::vector<SourcedCheckpoint>> readCheckpointTable(Database& db) {
    auto select = db.prepare(
        "SELECT tree_size, head_hash, time_us, signature FROM audit_checkpoints"
        " ORDER BY tree_size");
    if (!select) {
        return select.error();
    }
    std::vector<SourcedCheckpoint> out;
    for (;;) {
        auto row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        Checkpoint c;
        c.treeSize = static_cast<std::uint64_t>(select->columnInt(0));
        if (!toHash(select->columnBlob(1), c.headHash)) {
            c.headHash.fill(0xff);  // cannot match; reported as a bad signature
        }
        c.timeUs = select->columnInt(2);
        c.signature = select->columnBlob(3);
        std::string origin = "audit_checkpoints row " + std::to_string(c.treeSize);
        out.push_back({std::move(c), std::move(origin)});
    }
    return out;
}

}  // namespace

std::optional<std::uint64_t> AuditVerifyReport::firstBadSeq() const {
    if (findings.empty()) {
        return std::nullopt;
    }
    return findings.front().seq;
}

Result<AuditVerifyReport> verifyAudit(const AuditVerifyOptions& options) {
    if (auto r = initCrypto(); !r) {
        return r.error();
    }
    std::error_code ec;
    if (options.dbPath.empty() || !std::filesystem::is_regular_file(options.dbPath, ec)) {
        return makeError("audit.db_missing", "database " + options.dbPath + " does not exist");
    }
    const std::string checkpointFile = options.checkpointFile.empty()
                                           ? defaultCheckpointFile(options.dbPath)
                                           : options.checkpointFile;
    const std::string publicKeyFile = options.publicKeyFile.empty()
                                          ? publicKeyBesideCheckpoints(checkpointFile)
                                          : options.publicKeyFile;
    auto publicKey = readPublicKeyFile(publicKeyFile);
    if (!publicKey) {
        return publicKey.error();
    }
    auto db = Database::open(options.dbPath, Database::Mode::readOnly);
    if (!db) {
        return db.error();
    }
    AuditVerifyReport report;
    auto& findings = report.findings;
    if (auto schema = findAuditSchemaViolations(**db); !schema) {
        return schema.error();
    } else {
        for (const auto& v : *schema) {
            findings.push_back({0, "audit schema: " + v});
        }
    }

    std::vector<SourcedCheckpoint> checkpoints;
    {
        auto fromFile = readCheckpointFile(checkpointFile, findings);
        if (!fromFile) {
            return fromFile.error();
        }
        auto fromTable = readCheckpointTable(**db);
        if (!fromTable) {
            return makeError("audit.db_unreadable",
                             options.dbPath + " has no readable audit_checkpoints table: " +
                                 fromTable.error().message);
        }
        // The file is the copy the database admin cannot rewrite unnoticed; every checkpoint
        // in it must also be in the table (the table keeps the newest per tree size).
        std::set<std::uint64_t> tableSizes;
        for (const auto& c : *fromTable) {
            tableSizes.insert(c.checkpoint.treeSize);
        }
        for (const auto& c : *fromFile) {
            if (verifyCheckpointSignature(c.checkpoint, *publicKey) &&
                !tableSizes.count(c.checkpoint.treeSize)) {
                findings.push_back(
                    {c.checkpoint.treeSize, "checkpoint of tree size " +
                                                std::to_string(c.checkpoint.treeSize) + " (" +
                                                c.origin + ") is missing from audit_checkpoints"});
            }
        }
        checkpoints = std::move(*fromFile);
        checkpoints.insert(checkpoints.end(), fromTable->begin(), fromTable->end());
    }

    // Which stored hashes the checkpoints need, then one pass over the chain.
    std::vector<SourcedCheckpoint> valid;
    for (auto& c : checkpoints) {
        if (!verifyCheckpointSignature(c.checkpoint, *publicKey)) {
            findings.push_back({c.checkpoint.treeSize == 0 ? 1 : c.checkpoint.treeSize,
                                c.origin + ": signature does not verify (tree size " +
                                    std::to_string(c.checkpoint.treeSize) + ")"});
            continue;
        }
        valid.push_back(std::move(c));
    }
    std::sort(valid.begin(), valid.end(), [](const auto& a, const auto& b) {
        return a.checkpoint.treeSize < b.checkpoint.treeSize;
    });
    std::map<std::uint64_t, Hash> storedAt;
    std::map<std::uint64_t, TimeUs> timeAfter;  // the time of event tree_size + 1
    for (const auto& c : valid) {
        storedAt[c.checkpoint.treeSize] = Hash{};
        timeAfter[c.checkpoint.treeSize + 1] = 0;
    }

    auto select = (*db)->prepare(
        "SELECT seq, time_us, type, source, subject, payload, prev_hash, hash,"
        " typeof(time_us) = 'integer' AND typeof(type) = 'text' AND typeof(source) = 'text'"
        " AND typeof(subject) = 'text' AND typeof(payload) = 'text'"
        " AND typeof(prev_hash) = 'blob' AND typeof(hash) = 'blob'"
        " FROM audit_events ORDER BY seq");
    if (!select) {
        return makeError(
            "audit.db_unreadable",
            options.dbPath + " has no readable audit_events table: " + select.error().message);
    }
    std::uint64_t expected = 1;
    Hash prevStored{};
    std::vector<std::pair<std::uint64_t, TimeUs>> eventTimes;  // for the uncovered rule
    std::optional<TimeUs> previousTime;
    // Nothing in the trail is dated after the verifier's clock (plus skew): a forged row dated
    // ahead would otherwise raise the recording time of every event after it, and the daemon
    // would sign it.
    const TimeUs now = options.nowUs != 0 ? options.nowUs : SystemClock().nowUs();
    const TimeUs latestAllowed =
        now + std::chrono::duration_cast<std::chrono::microseconds>(options.maxClockSkew).count();
    std::uint64_t coveredInFuture = 0;
    std::uint64_t firstCoveredInFuture = 0;
    const std::uint64_t coveredSize = valid.empty() ? 0 : valid.back().checkpoint.treeSize;
    for (;;) {
        auto row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const std::int64_t rawSeq = select->columnInt(0);
        const std::uint64_t seq = rawSeq < 0 ? 0 : static_cast<std::uint64_t>(rawSeq);
        if (seq != expected) {
            std::string what;
            if (seq == expected + 1) {
                what = "seq " + std::to_string(expected) + " is missing (deleted or renumbered)";
            } else if (seq > expected) {
                what = "seq " + std::to_string(expected) + " to " + std::to_string(seq - 1) +
                       " are missing (deleted or renumbered)";
            } else {
                what = "seq " + std::to_string(rawSeq) + " is out of sequence";
            }
            findings.push_back({std::min(seq, expected), what});
        }
        Event e;
        e.timeUs = select->columnInt(1);
        e.type = select->columnText(2);
        e.source = select->columnText(3);
        e.subject = select->columnText(4);
        e.payload = select->columnText(5);
        Hash prev{};
        Hash stored{};
        const bool prevOk = toHash(select->columnBlob(6), prev);
        const bool hashOk = toHash(select->columnBlob(7), stored);
        if (select->columnInt(8) == 0) {
            findings.push_back(
                {seq, "seq " + std::to_string(seq) + ": a column holds a value of the wrong type"});
        }
        if (!prevOk || prev != prevStored) {
            findings.push_back({seq, "seq " + std::to_string(seq) +
                                         ": prev_hash does not link to the event before it"});
        }
        const Hash computed = auditEventHash(seq, e, prev);
        if (!hashOk || computed != stored) {
            findings.push_back({seq, "seq " + std::to_string(seq) +
                                         ": hash does not match the event's contents (stored " +
                                         (hashOk ? shortHex(stored) : std::string("malformed")) +
                                         ", computed " + shortHex(computed) + ")"});
        }
        if (auto it = storedAt.find(seq); it != storedAt.end()) {
            it->second = stored;
        }
        if (auto it = timeAfter.find(seq); it != timeAfter.end()) {
            it->second = e.timeUs;
        }
        // Recorded time never goes back along seq (docs/audit.md, "Recorded time").
        if (previousTime && e.timeUs < *previousTime) {
            findings.push_back({seq, "seq " + std::to_string(seq) +
                                         " is dated before the event before it (recorded time "
                                         "goes back: backdated or reordered)"});
        }
        previousTime = e.timeUs;
        if (seq > coveredSize) {
            eventTimes.emplace_back(seq, e.timeUs);
        } else if (e.timeUs > latestAllowed && coveredInFuture++ == 0) {
            firstCoveredInFuture = seq;
        }
        prevStored = stored;
        expected = seq + 1;
        ++report.eventCount;
        report.headHash = stored;
    }
    const std::uint64_t lastSeq = expected - 1;

    // Checkpoints: each must match the chain at its tree size; none may exceed the chain.
    std::uint64_t lastMatched = 0;
    std::set<std::pair<std::uint64_t, TimeUs>> distinct;
    for (const auto& sc : valid) {
        const auto& c = sc.checkpoint;
        distinct.emplace(c.treeSize, c.timeUs);
        if (c.treeSize > lastSeq) {
            findings.push_back({lastSeq + 1, "truncated: " + sc.origin + " signed " +
                                                 std::to_string(c.treeSize) +
                                                 " events but the database ends at seq " +
                                                 std::to_string(lastSeq)});
            continue;
        }
        const Hash head = c.treeSize == 0 ? Hash{} : storedAt[c.treeSize];
        if (head != c.headHash) {
            findings.push_back({lastMatched + 1, "events " + std::to_string(lastMatched + 1) +
                                                     ".." + std::to_string(c.treeSize) +
                                                     " differ from what " + sc.origin +
                                                     " signed (head " + shortHex(c.headHash) +
                                                     ", database " + shortHex(head) + ")"});
            continue;
        }
        lastMatched = c.treeSize;
        // The event after a checkpoint was appended after it was signed, so it is recorded no
        // earlier (a backdated append that a later checkpoint covers is caught here too).
        if (c.treeSize < lastSeq && timeAfter[c.treeSize + 1] < c.timeUs) {
            findings.push_back({c.treeSize + 1, "seq " + std::to_string(c.treeSize + 1) +
                                                    " is dated before " + sc.origin +
                                                    " (tree size " + std::to_string(c.treeSize) +
                                                    ") that precedes it (backdated)"});
        }
    }
    if (valid.empty()) {
        findings.push_back({1,
                            "no validly signed checkpoint at all: nothing proves this trail "
                            "(checkpoints removed, or a key other than the pinned one)"});
    }
    report.checkpointCount = distinct.size();
    report.coveredSize = coveredSize;

    if (coveredInFuture != 0) {
        findings.push_back(
            {firstCoveredInFuture, "seq " + std::to_string(firstCoveredInFuture) + " and " +
                                       std::to_string(coveredInFuture - 1) +
                                       " more signed events are dated after the verifier's clock"});
    }
    // Events after the newest checkpoint: not yet signed (a backdated one was found above).
    for (const auto& [seq, timeUs] : eventTimes) {
        ++report.uncoveredCount;
        if (options.requireCovered) {
            findings.push_back(
                {seq, "seq " + std::to_string(seq) + " is not covered by any signed checkpoint"});
        } else if (timeUs > latestAllowed) {
            findings.push_back({seq, "seq " + std::to_string(seq) +
                                         " is not covered by any checkpoint and is dated in the "
                                         "future"});
        }
    }
    if (!options.auditedTables.empty()) {
        auto rows = checkRowDigests(**db, options.auditedTables, findings);
        if (!rows) {
            return rows.error();
        }
        report.rowsChecked = *rows;
    }
    auto panels = checkPanelSignatures(**db, options.site, options.panelKeysDir, findings);
    if (!panels) {
        return panels.error();
    }
    report.panelSignedEvents = panels->signedEvents;
    if (auto witnessed = checkWitnessed(**db, options.witnesses, *publicKey, findings);
        !witnessed) {
        return witnessed.error();
    }
    std::stable_sort(findings.begin(), findings.end(),
                     [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return report;
}

}  // namespace sekimori::core
