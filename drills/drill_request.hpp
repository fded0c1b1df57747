#pragma once
// A BCP coordinator's request for a drill (POST /api/drills/requests): the scenario, the mode
// and why. Checked when asked and again when approved (the approval's action is this, re-read).
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "drills/drills_config.hpp"

namespace sekimori::drills {

inline constexpr std::string_view kDrillRunKind = "drills.run";

struct DrillRequest {
    std::string scenario;
    std::string mode;  // simulation | observe
    std::string reason;
};

// Errors (code, message naming the field): drills.bad_request (400: unknown keys, an unknown
// scenario or mode, a blank or over-long reason), drills.no_simulator (409: simulation at a site
// without [drills] simulator).
core::Result<DrillRequest> parseDrillRequest(const nlohmann::json& body,
                                             const DrillsConfig& config);

// The approval's action ({scenario, mode, reason}) and the line the Approvals page shows.
nlohmann::json drillAction(const DrillRequest& request);
std::string drillSummary(const DrillRequest& request);

// Whether the text says something: not only ASCII white space and ideographic spaces (U+3000).
bool saysSomething(std::string_view text);

}  // namespace sekimori::drills
