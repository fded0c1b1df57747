#include "policy/approval_store.hpp"

#include <charconv>

namespace sekimori::policy {
namespace {

const std::vector<core::Migration>& migrations() {
    static const std::vector<core::Migration> list{{1, R"sql(
CREATE TABLE approvals (
    n                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    action           TEXT NOT NULL,
    summary          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    requester        TEXT NOT NULL,
    requester_role   TEXT NOT NULL,
    requester_person TEXT NOT NULL,
    created_us       INTEGER NOT NULL,
    expires_us       INTEGER NOT NULL,
    state            TEXT NOT NULL
                     CHECK (state IN ('pending', 'approved', 'rejected', 'expired')),
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_us       INTEGER NOT NULL DEFAULT 0,
    reason           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX approvals_by_state ON approvals (state, n);
)sql"}};
    return list;
}

constexpr const char* kColumns =
    "n, kind, action, summary, subject, requester, requester_role, requester_person, "
    "created_us, expires_us, state, decided_by, decided_us, reason";

core::Result<ApprovalRequest> fromRow(const core::Statement& row) {
    ApprovalRequest r;
    r.id = approvalId(row.columnInt(0));
    r.kind = row.columnText(1);
    r.action = nlohmann::json::parse(row.columnText(2), nullptr, false);
    if (r.action.is_discarded()) {
        return core::makeError("approval.store", "approvals row " + r.id + ": action is not JSON");
    }
    r.summary = row.columnText(3);
    r.subjectPerson = row.columnText(4);
    r.requester = row.columnText(5);
    const auto role = core::parseRole(row.columnText(6));
    if (!role) {
        return core::makeError("approval.store", "approvals row " + r.id + ": unknown role '" +
                                                     row.columnText(6) + "'");
    }
    r.requesterRole = *role;
    r.requesterPerson = row.columnText(7);
    r.createdUs = row.columnInt(8);
    r.expiresUs = row.columnInt(9);
    r.state = row.columnText(10);
    r.decidedBy = row.columnText(11);
    r.decidedUs = row.columnInt(12);
    r.reason = row.columnText(13);
    return r;
}

}  // namespace

core::Result<void> migrateApprovalStore(core::Database& db) {
    return db.migrate("approvals", migrations());
}

std::optional<std::int64_t> approvalNumber(const std::string& id) {
    constexpr std::string_view prefix = "apr-";
    if (id.size() <= prefix.size() || id.compare(0, prefix.size(), prefix) != 0) {
        return std::nullopt;
    }
    std::int64_t n = 0;
    const char* first = id.data() + prefix.size();
    const char* last = id.data() + id.size();
    auto [end, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || end != last || n <= 0 || *first == '0') {
        return std::nullopt;
    }
    return n;
}

std::string approvalId(std::int64_t number) {
    return "apr-" + std::to_string(number);
}

core::Result<std::string> insertApproval(core::Database& db, const ApprovalRequest& request) {
    auto stmt = db.prepare(
        "INSERT INTO approvals (kind, action, summary, subject, requester, requester_role, "
        "requester_person, created_us, expires_us, state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')");
    if (!stmt) {
        return stmt.error();
    }
    const std::string action = request.action.dump();
    stmt->bind(1, request.kind)
        .bind(2, action)
        .bind(3, request.summary)
        .bind(4, request.subjectPerson)
        .bind(5, request.requester)
        .bind(6, core::roleName(request.requesterRole))
        .bind(7, request.requesterPerson)
        .bind(8, request.createdUs)
        .bind(9, request.expiresUs);
    if (auto r = stmt->run(); !r) {
        return r.error();
    }
    return approvalId(sqlite3_last_insert_rowid(db.handle()));
}

core::Result<std::optional<ApprovalRequest>> readApproval(core::Database& db,
                                                          const std::string& id) {
    const auto n = approvalNumber(id);
    if (!n) {
        return std::optional<ApprovalRequest>{};
    }
    auto stmt = db.prepare(std::string("SELECT ") + kColumns + " FROM approvals WHERE n = ?");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, *n);
    auto row = stmt->step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return std::optional<ApprovalRequest>{};
    }
    auto request = fromRow(*stmt);
    if (!request) {
        return request.error();
    }
    return std::optional<ApprovalRequest>{std::move(*request)};
}

core::Result<void> decideApproval(core::Database& db, const ApprovalRequest& decided) {
    const auto n = approvalNumber(decided.id);
    if (!n) {
        return core::makeError("approval.unknown", "no approval request " + decided.id);
    }
    auto stmt = db.prepare(
        "UPDATE approvals SET state = ?, decided_by = ?, decided_us = ?, reason = ? "
        "WHERE n = ? AND state = 'pending'");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, decided.state)
        .bind(2, decided.decidedBy)
        .bind(3, decided.decidedUs)
        .bind(4, decided.reason)
        .bind(5, *n);
    if (auto r = stmt->run(); !r) {
        return r;
    }
    if (sqlite3_changes(db.handle()) != 1) {
        return core::makeError("approval.not_pending", decided.id + " is no longer pending");
    }
    return {};
}

core::Result<std::vector<ApprovalRequest>> listApprovals(core::Database& db,
                                                         const std::string& state,
                                                         const std::string& kind,
                                                         std::size_t limit) {
    auto stmt = db.prepare(std::string("SELECT ") + kColumns +
                           " FROM approvals WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR kind = "
                           "?2) ORDER BY n DESC LIMIT ?3");
    if (!stmt) {
        return stmt.error();
    }
    stmt->bind(1, state).bind(2, kind).bind(3, static_cast<std::int64_t>(limit));
    std::vector<ApprovalRequest> out;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        auto request = fromRow(*stmt);
        if (!request) {
            return request.error();
        }
        out.push_back(std::move(*request));
    }
    return out;
}

core::Result<std::vector<std::pair<std::string, core::TimeUs>>> pendingExpiries(
    core::Database& db) {
    auto stmt = db.prepare("SELECT n, expires_us FROM approvals WHERE state = 'pending'");
    if (!stmt) {
        return stmt.error();
    }
    std::vector<std::pair<std::string, core::TimeUs>> out;
    while (true) {
        auto row = stmt->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        out.emplace_back(approvalId(stmt->columnInt(0)), stmt->columnInt(1));
    }
    return out;
}

}  // namespace sekimori::policy
