#include "console/audit_status.hpp"

#include "console/console_queries.hpp"
#include "core/crypto.hpp"

namespace sekimori::console {
namespace {

// The newest cosignature of `witness`: its tree size; nothing when it never cosigned.
core::Result<std::optional<nlohmann::json>> newestCosignature(core::Database& db,
                                                              const std::string& witness) {
    auto exists = tableExists(db, "witness_cosignatures");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return std::optional<nlohmann::json>{};
    }
    auto st = db.prepare(
        "SELECT tree_size, witness_time_us FROM witness_cosignatures WHERE witness = ?1"
        " ORDER BY tree_size DESC, checkpoint_time_us DESC LIMIT 1");
    if (!st) {
        return st.error();
    }
    st->bind(1, std::string_view(witness));
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<nlohmann::json>{};
    }
    return std::optional<nlohmann::json>(nlohmann::json{{"cosigned_size", st->columnInt(0)},
                                                        {"cosigned_time_us", st->columnInt(1)}});
}

// Whether the newest of the witness's audit.cosigned / audit.witness_refused events after
// `afterSeq` is a refusal. Its cosignature of tree size T was recorded after event T, so only
// the trail past T is read, not the whole of it.
core::Result<bool> refusedSince(core::Database& db, const std::string& witness,
                                std::uint64_t afterSeq) {
    auto st = db.prepare(
        "SELECT type FROM audit_events WHERE seq > ?1 AND subject = ?2"
        " AND type IN ('audit.cosigned', 'audit.witness_refused') ORDER BY seq DESC LIMIT 1");
    if (!st) {
        return st.error();
    }
    st->bind(1, static_cast<std::int64_t>(afterSeq)).bind(2, std::string_view(witness));
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return *row && st->columnText(0) == "audit.witness_refused";
}

}  // namespace

std::string_view witnessState(std::optional<std::uint64_t> cosignedSize, bool refused,
                              std::optional<std::uint64_t> checkpointSize,
                              core::TimeUs checkpointTimeUs, core::TimeUs silentAfterUs,
                              core::TimeUs nowUs) {
    if (refused) {
        return "refused";
    }
    if (!cosignedSize) {
        return "none";
    }
    if (!checkpointSize || *cosignedSize >= *checkpointSize) {
        return "current";
    }
    return nowUs - checkpointTimeUs >= silentAfterUs ? "silent" : "behind";
}

core::Result<nlohmann::json> auditStatus(core::Database& db,
                                         const std::vector<WitnessWatch>& witnesses,
                                         core::TimeUs nowUs) {
    nlohmann::json out = {{"size", 0},
                          {"head_hash", nullptr},
                          {"head_time_us", nullptr},
                          {"checkpoint", nullptr},
                          {"witnesses", nlohmann::json::array()}};
    auto events = tableExists(db, "audit_events");
    if (!events) {
        return events.error();
    }
    std::optional<std::uint64_t> checkpointSize;
    core::TimeUs checkpointTimeUs = 0;
    if (*events) {
        auto head =
            db.prepare("SELECT seq, hash, time_us FROM audit_events ORDER BY seq DESC LIMIT 1");
        if (!head) {
            return head.error();
        }
        auto row = head->step();
        if (!row) {
            return row.error();
        }
        if (*row) {
            out["size"] = head->columnInt(0);
            out["head_hash"] = core::toHex(head->columnBlob(1));
            out["head_time_us"] = head->columnInt(2);
        }
    }
    auto checkpoints = tableExists(db, "audit_checkpoints");
    if (!checkpoints) {
        return checkpoints.error();
    }
    if (*checkpoints) {
        auto newest = db.prepare(
            "SELECT tree_size, time_us, head_hash FROM audit_checkpoints"
            " ORDER BY tree_size DESC LIMIT 1");
        if (!newest) {
            return newest.error();
        }
        auto row = newest->step();
        if (!row) {
            return row.error();
        }
        if (*row) {
            checkpointSize = static_cast<std::uint64_t>(newest->columnInt(0));
            checkpointTimeUs = newest->columnInt(1);
            out["checkpoint"] = {{"tree_size", newest->columnInt(0)},
                                 {"time_us", checkpointTimeUs},
                                 {"head_hash", core::toHex(newest->columnBlob(2))}};
        }
    }
    for (const auto& w : witnesses) {
        auto cosigned = newestCosignature(db, w.id);
        if (!cosigned) {
            return cosigned.error();
        }
        std::optional<std::uint64_t> size;
        if (*cosigned) {
            size = (**cosigned)["cosigned_size"].get<std::uint64_t>();
        }
        bool refused = false;
        if (*events) {
            auto r = refusedSince(db, w.id, size.value_or(0));
            if (!r) {
                return r.error();
            }
            refused = *r;
        }
        nlohmann::json row = {
            {"id", w.id},
            {"cosigned_size", nullptr},
            {"cosigned_time_us", nullptr},
            {"state", std::string(witnessState(size, refused, checkpointSize, checkpointTimeUs,
                                               w.silentAfterUs, nowUs))}};
        if (*cosigned) {
            row.update(**cosigned);
        }
        out["witnesses"].push_back(std::move(row));
    }
    return out;
}

core::Result<nlohmann::json> lastVerifyEvent(core::Database& db) {
    auto exists = tableExists(db, "audit_events");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return nlohmann::json(nullptr);
    }
    auto st = db.prepare(
        "SELECT time_us, payload FROM audit_events WHERE type = 'audit.verified'"
        " ORDER BY seq DESC LIMIT 1");
    if (!st) {
        return st.error();
    }
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return nlohmann::json(nullptr);
    }
    auto payload = nlohmann::json::parse(st->columnText(1), nullptr, false);
    if (!payload.is_object()) {
        payload = nlohmann::json::object();
    }
    return nlohmann::json{{"time_us", st->columnInt(0)},
                          {"actor", payload.value("actor", "")},
                          {"ok", payload.value("ok", false)},
                          {"size", payload.value("size", 0)},
                          {"problems", payload.value("problems", nlohmann::json::array())}};
}

VerifyOutcome runAuditVerify(const core::AuditVerifyOptions& options) {
    VerifyOutcome out;
    auto report = core::verifyAudit(options);
    if (!report) {
        out.problems.push_back("the verifier cannot run: " + report.error().message);
        out.problemCount = 1;
        return out;
    }
    out.ok = report->intact();
    out.size = report->eventCount;
    out.problemCount = report->findings.size();
    for (const auto& f : report->findings) {
        if (out.problems.size() == kMaxVerifyProblems) {
            break;
        }
        out.problems.push_back(f.message);
    }
    return out;
}

}  // namespace sekimori::console
