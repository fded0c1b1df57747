#pragma once
// How the CLI prints what the daemon answered, in lines a person reads and a script can split
// on spaces (the first words are stable).
#include <ostream>

#include <nlohmann/json.hpp>

namespace sekimori::app {

// A 202 {"approval": {id, kind, state, expires_us}}:
//   approval apr-3 pending doors.enroll_template (expires 2026-12-02T11:03:00Z)
void printPendingApproval(const nlohmann::json& body, std::ostream& out);

// One approval request of GET /api/approvals, as one tab-separated line:
//   id  state  kind  requester  summary
void printApprovalLine(const nlohmann::json& approval, std::ostream& out);

// A one-time password the daemon made for a new account (bootstrap 201 or the approve of
// operators.add): "operator NAME (ROLE) password: PW". The account must change it at first
// login (`sekimori password`).
void printOneTimePassword(const nlohmann::json& account, std::ostream& out);

// "2026-12-01T11:03:00Z" for a time in microseconds since the epoch.
std::string utcTime(long long timeUs);

}  // namespace sekimori::app
