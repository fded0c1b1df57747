#pragma once
// The five trail reports as pure functions of the rows read (docs/reports.md): which event types
// each reads, and what each makes of them. No I/O; tested as tables (tests/reports/).
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "reports/reports_config.hpp"
#include "reports/trail_reader.hpp"

namespace sekimori::reports {

struct ReportRange {
    core::TimeUs fromUs = 0;
    core::TimeUs toUs = 0;
};

// What a builder is given besides the rows.
struct BuildContext {
    ReportRange range;
    SuspicionPolicy suspicion;
    int utcOffsetMinutes = 0;
};

using ReportBuilder = nlohmann::json (*)(const std::vector<TrailEvent>&, const BuildContext&);

struct ReportKind {
    std::string_view name;           // the {kind} of GET /api/reports/{kind}
    std::vector<std::string> types;  // exact types and prefixes ("access.") it reads
    std::string_view sourcePrefix;   // also every event from this source prefix, when set
    ReportBuilder build;
};

// access, suspicious, privileges, operators, exports; in that order.
const std::vector<ReportKind>& reportKinds();
const ReportKind* findReportKind(std::string_view name);

// Each returns {"rows": [...], "summary": {...}}; rows oldest first, each with seq, time_us,
// type, source, subject and the fields the report shows (docs/reports.md).
nlohmann::json buildAccessHistory(const std::vector<TrailEvent>& events, const BuildContext& c);
// Every row has "flags" (denied, repeated, off_hours, lockout, duress, never_alone, forced,
// tailgate, passback, login_failed, link_refused); only events with a flag are rows.
nlohmann::json buildSuspicious(const std::vector<TrailEvent>& events, const BuildContext& c);
nlohmann::json buildPrivileges(const std::vector<TrailEvent>& events, const BuildContext& c);
nlohmann::json buildOperatorActions(const std::vector<TrailEvent>& events, const BuildContext& c);
nlohmann::json buildEvidenceExports(const std::vector<TrailEvent>& events, const BuildContext& c);

// Whether `timeUs` falls in the policy's off hours, in the site's zone.
bool isOffHours(core::TimeUs timeUs, const SuspicionPolicy& policy, int utcOffsetMinutes);

}  // namespace sekimori::reports
