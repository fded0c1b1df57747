#include "console/operator_trail.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"

namespace sekimori::console {

std::string_view verdictName(RowTrust::Verdict verdict) {
    switch (verdict) {
        case RowTrust::Verdict::matches:
            return "matches";
        case RowTrust::Verdict::differs:
            return "differs";
        case RowTrust::Verdict::unnamed:
            return "unnamed";
        case RowTrust::Verdict::deleted:
            return "deleted";
    }
    return "differs";
}

core::Result<void> OperatorTrail::catchUp(core::Database& db) {
    auto table =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'");
    if (!table) {
        return table.error();
    }
    auto exists = table->step();
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return {};
    }
    auto newest = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
    if (!newest) {
        return newest.error();
    }
    if (auto row = newest->step(); !row) {
        return row.error();
    }
    const auto upTo = static_cast<std::uint64_t>(newest->columnInt(0));
    if (upTo <= scannedSeq_) {
        return {};
    }
    // Only events that carry a row digest matter; the seq range keeps each catch-up to the
    // events recorded since the last.
    auto st = db.prepare(
        "SELECT seq, payload FROM audit_events WHERE seq > ?1 AND seq <= ?2"
        " AND instr(payload, '\"row_digest\"') > 0 ORDER BY seq");
    if (!st) {
        return st.error();
    }
    st->bind(1, static_cast<std::int64_t>(scannedSeq_)).bind(2, static_cast<std::int64_t>(upTo));
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const auto body = nlohmann::json::parse(st->columnText(1), nullptr, false);
        if (!body.is_object()) {
            continue;
        }
        if (auto r = index_.note(static_cast<std::uint64_t>(st->columnInt(0)), body); !r) {
            return r;
        }
    }
    scannedSeq_ = upTo;
    return {};
}

core::Result<RowTrust> OperatorTrail::check(core::Database& db, std::string_view name) {
    if (auto r = catchUp(db); !r) {
        return r.error();
    }
    const std::vector<std::string> key{std::string(name)};
    auto actual = core::digestRow(db, operatorsTable(), key);
    if (!actual) {
        return actual.error();
    }
    RowTrust trust;
    if (*actual) {
        trust.actual = core::toHex(**actual);
    }
    trust.seq = index_.recordedAt(operatorsTable().table, key);
    const auto expected = index_.expected(operatorsTable().table, key);
    if (!expected) {
        trust.verdict = RowTrust::Verdict::unnamed;
        return trust;
    }
    if (!*expected) {
        trust.verdict = RowTrust::Verdict::deleted;
        return trust;
    }
    trust.expected = core::toHex(**expected);
    trust.verdict = (*actual && **actual == **expected) ? RowTrust::Verdict::matches
                                                        : RowTrust::Verdict::differs;
    return trust;
}

}  // namespace sekimori::console
