#include "core/audit_witness_check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/audit_checkpoint.hpp"
#include "core/audit_cosignature.hpp"
#include "core/crypto.hpp"

namespace sekimori::core {
namespace {

std::string shortHex(const Hash& h) {
    return toHex(h).substr(0, 16);
}

struct LoggedCosignature {
    std::size_t line = 0;
    WitnessLogEntry entry;
};

}  // namespace

Result<std::vector<WitnessCheckSummary>> checkWitnessed(Database& db,
                                                        const std::vector<AuditWitness>& witnesses,
                                                        std::string_view controllerPublicKey,
                                                        std::vector<AuditFinding>& findings) {
    std::vector<WitnessCheckSummary> summaries;
    if (witnesses.empty()) {
        return summaries;
    }
    auto last = db.prepare("SELECT coalesce(max(seq), 0) FROM audit_events");
    auto hashAt = db.prepare("SELECT hash FROM audit_events WHERE seq = ?1");
    if (!last || !hashAt) {
        return makeError("audit.db_unreadable", "cannot read audit_events for the witness check");
    }
    auto row = last->step();
    if (!row) {
        return row.error();
    }
    const auto lastSeq = static_cast<std::uint64_t>(std::max<std::int64_t>(0, last->columnInt(0)));

    for (const auto& w : witnesses) {
        auto key = readPublicKeyFile(w.publicKeyFile);
        if (!key) {
            return key.error();
        }
        std::error_code ec;
        if (!std::filesystem::is_regular_file(w.logFile, ec)) {
            return makeError("audit.witness_log_missing",
                             "witness log " + w.logFile + " does not exist");
        }
        std::ifstream in(w.logFile);
        const std::string origin = "witness log " + w.logFile;
        std::vector<LoggedCosignature> valid;
        std::string line;
        std::size_t number = 0;
        std::uint64_t previousSize = 0;
        WitnessCheckSummary summary;
        while (std::getline(in, line)) {
            ++number;
            if (line.empty()) {
                continue;
            }
            const std::string where = origin + " line " + std::to_string(number);
            auto entry = witnessLogEntryFromJson(line);
            if (!entry) {
                findings.push_back({1, where + " does not parse: " + entry.error().message});
                continue;
            }
            const Cosignature& c = entry->cosignature;
            const std::uint64_t at = std::max<std::uint64_t>(c.treeSize, 1);
            if (!verifyCosignature(c, *key)) {
                findings.push_back({at, where + ": the cosignature of tree size " +
                                            std::to_string(c.treeSize) +
                                            " does not verify under the witness key"});
                continue;
            }
            Checkpoint signedByController{c.treeSize, c.headHash, c.checkpointTimeUs,
                                          entry->checkpointSignature};
            if (!verifyCheckpointSignature(signedByController, controllerPublicKey)) {
                findings.push_back({at, where + ": the checkpoint it cosigned (tree size " +
                                            std::to_string(c.treeSize) +
                                            ") is not signed by the controller key"});
                continue;
            }
            if (c.treeSize < previousSize) {
                findings.push_back({at, where + ": tree size " + std::to_string(c.treeSize) +
                                            " is below the line before it (" +
                                            std::to_string(previousSize) + ")"});
            }
            previousSize = std::max(previousSize, c.treeSize);
            if (summary.witness.empty()) {
                summary.witness = c.witness;
            }
            valid.push_back({number, std::move(*entry)});
        }
        summary.cosignatures = valid.size();
        if (valid.empty()) {
            findings.push_back(
                {1, "not covered: " + origin + " holds no valid cosignature of this trail"});
            summaries.push_back(summary);
            continue;
        }
        const auto newest =
            std::max_element(valid.begin(), valid.end(), [](const auto& a, const auto& b) {
                return a.entry.cosignature.treeSize < b.entry.cosignature.treeSize;
            });
        summary.witnessedSize = newest->entry.cosignature.treeSize;
        if (lastSeq < summary.witnessedSize) {
            findings.push_back(
                {lastSeq + 1, "behind the witness: the database ends at seq " +
                                  std::to_string(lastSeq) + " but witness " + summary.witness +
                                  " cosigned " + std::to_string(summary.witnessedSize) +
                                  " events (" + origin + " line " + std::to_string(newest->line) +
                                  "): rolled back or truncated"});
        }
        // Every witnessed head must be the database's: the first that is not names the damage.
        for (const auto& logged : valid) {
            const Cosignature& c = logged.entry.cosignature;
            if (c.treeSize == 0 || c.treeSize > lastSeq) {
                continue;
            }
            hashAt->reset();
            hashAt->bind(1, static_cast<std::int64_t>(c.treeSize));
            auto found = hashAt->step();
            if (!found) {
                return found.error();
            }
            Hash stored{};
            const std::string blob = *found ? hashAt->columnBlob(0) : std::string();
            if (blob.size() == stored.size()) {
                std::copy(blob.begin(), blob.end(), stored.begin());
            }
            if (!*found || blob.size() != stored.size() || stored != c.headHash) {
                findings.push_back(
                    {c.treeSize, "diverges from the witness: event " + std::to_string(c.treeSize) +
                                     " has hash " + shortHex(stored) + " but witness " + c.witness +
                                     " cosigned " + shortHex(c.headHash) + " (" + origin +
                                     " line " + std::to_string(logged.line) + ")"});
                break;
            }
        }
        summaries.push_back(summary);
    }
    return summaries;
}

}  // namespace sekimori::core
