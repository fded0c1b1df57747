#pragma once
// The requests that need a second person (docs/approvals.md): an item a person may carry into
// the carry-in zone during a visit (custody.carry_in), and a listed key a person may take in a
// window (custody.key_issue). Strict body parsers (every field known, each error names the field)
// and the approval kinds whose apply records the approved effect.
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "custody/custody_config.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::custody {

// Approval kinds (docs/approvals.md).
inline constexpr std::string_view kCarryInKind = "custody.carry_in";
inline constexpr std::string_view kKeyIssueKind = "custody.key_issue";

// POST /api/custody/items {person, kind, description, valid_from, valid_until} (RFC 3339 with
// an offset; at most 31 days, ending in the future) -> the approval's action.
core::Result<nlohmann::json> parseItemRequest(const nlohmann::json& body, core::TimeUs nowUs);
// POST /api/custody/key_requests {person, key, from, until, reason} (at most 7 days; a key
// that needs approval) -> the approval's action.
core::Result<nlohmann::json> parseKeyRequest(const nlohmann::json& body,
                                             const CustodyConfig& config, core::TimeUs nowUs);

// custody.carry_in and custody.key_issue: requested by a facility or security admin, approved
// by a security admin who is neither the requester nor the person.
void registerApprovalKinds(policy::ApprovalEngine& engine, const CustodyConfig& config,
                           const core::Clock& clock);

}  // namespace sekimori::custody
