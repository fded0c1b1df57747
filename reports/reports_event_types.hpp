#pragma once
// The reports domain's own event types (docs/events.md, "Reports (reports/)").
#include "core/event_type.hpp"

namespace sekimori::reports {

// A report was produced for an operator (who, which kind, which range, what it held).
inline constexpr core::EventType kReportGenerated{"report.generated"};
// The daemon made its report-signing key (first start): its public key's fingerprint.
inline constexpr core::EventType kReportSigningKeyCreated{"report.signing_key_created"};

}  // namespace sekimori::reports
