#pragma once
// The panel part of `sekimori audit verify` (docs/audit.md, "Panel signatures"): every event
// that carries what a door panel signed ("panel_report", "panel_sig") must verify under the
// Ed25519 key the trail enrolled for that panel (panel.key_enrolled) before the event — and,
// when the auditor pins the panels' public keys (--panel-keys DIR), under the pinned key too.
// Nobody without the panel's own key can forge or alter what a door reported, not even with
// the controller's keys; a key the controller enrolled in the panel's place is caught by the
// pinned keys.
#include <string>
#include <string_view>
#include <vector>

#include "core/audit_verify.hpp"
#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::core {

inline constexpr std::string_view kPanelReportTag = "sekimori.panel.report.v1";

// lp(tag) lp(site) lp(panel) lp(report), as the panel signs it (docs/mqtt.md).
Bytes panelReportSigningInput(std::string_view site, std::string_view panel,
                              std::string_view report);

struct PanelSignatureSummary {
    std::uint64_t signedEvents = 0;  // events holding panel_sig, all checked
    std::uint64_t enrolledKeys = 0;  // panel.key_enrolled events seen
};

// `site` empty: the site is taken from the trail (the "site" of audit.cosigned and
// daemon.started payloads); none there while signed events exist is a finding. `panelKeysDir`
// empty: only the enrolled keys are used; else DIR/<panel>.sign.pub (64 hex digits) is the
// pinned key, and an enrollment of another key, a signed event of a panel without a pinned
// key, or a signature that does not verify under it are findings.
Result<PanelSignatureSummary> checkPanelSignatures(Database& db, const std::string& site,
                                                   const std::string& panelKeysDir,
                                                   std::vector<AuditFinding>& findings);

}  // namespace sekimori::core
