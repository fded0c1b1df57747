#pragma once
// The approvals' event types (docs/events.md, "Approvals"); docs/approvals.md says what each
// payload holds.
#include "core/event_type.hpp"

namespace sekimori::policy {

inline constexpr core::EventType kApprovalRequested{"approval.requested"};
inline constexpr core::EventType kApprovalApproved{"approval.approved"};
inline constexpr core::EventType kApprovalRejected{"approval.rejected"};
inline constexpr core::EventType kApprovalExpired{"approval.expired"};

}  // namespace sekimori::policy
