#pragma once
// The compliance summary (docs/reports.md): one row per physical safeguard of a My Number
// handling site (the PPC guideline's 物理的安全管理措置), each with the feature that covers it,
// the tests that prove it (paths in tests/) and the live evidence read from the trail. A
// safeguard whose domain is not built says so ("not_built"); nothing is shown green that the
// trail does not show. Pure: the service reads the inputs, this makes the rows and the HTML.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/report_builders.hpp"
#include "reports/reports_config.hpp"
#include "reports/trail_reader.hpp"

namespace sekimori::reports {

// The types read over the period for the rows' counts (readTrail).
const std::vector<std::string>& compliancePeriodTypes();

struct ComplianceInputs {
    std::vector<TrailEvent> period;           // compliancePeriodTypes() within the range
    std::optional<TrailEvent> daemonStarted;  // the newest daemon.started (services running)
    std::optional<TrailEvent> lastVerify;     // the newest audit.verified
    std::optional<TrailEvent> lastCosign;     // the newest audit.cosigned
    std::optional<TrailEvent> lastRefusal;    // the newest audit.witness_refused
    std::uint64_t trailSize = 0;
};

// Every test path a row names, for a check that they exist (tests/reports/compliance_test.cpp).
std::vector<std::string> complianceTestPaths();

// {"site","from_us","to_us","generated_us","utc_offset_minutes","zone","trail_size","services",
//  "rows":[{"id","safeguard":{"en","ja"},"feature","tests":[...],"status","evidence":{...}}]}.
// status: ok, attention, no_evidence, not_built.
nlohmann::json buildCompliance(const ComplianceInputs& inputs, const ReportsConfig& config,
                               ReportRange range, core::TimeUs generatedUs, int utcOffsetMinutes);

// The summary as one self-contained HTML page (inline CSS, no script, no external resource),
// in Japanese and English. `signingKeySha256`: the hex SHA-256 of the public key's DER.
std::string renderComplianceHtml(const nlohmann::json& summary,
                                 const std::string& signingKeySha256);

}  // namespace sekimori::reports
