#pragma once
// Out-of-hours power for a hub as an operator asks for it (POST /api/power/hubs/overrides):
// which hub, for how many minutes, from when, and why. Pure: parsing and the window an approval
// gives. The hub is powered only once a second person approved (policy/approval_engine.hpp) and
// only inside the window, which ends by itself (power/hub_timers.hpp).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "power/hub_timers.hpp"

namespace sekimori::power {

inline constexpr std::string_view kHubOverrideKind = "power.hub_override";

struct HubOverrideRequest {
    std::string hub;
    int minutes = 0;
    std::optional<core::TimeUs> fromUs;  // absent: from the approval on
    std::string reason;
};

// {"hub", "minutes", "from" (RFC 3339, optional), "reason"}: unknown fields, a hub the site lacks
// or whose timer does not allow overrides, minutes outside 1..override_max_h·60, a start in the
// past or more than 7 days ahead (judged at `nowUs`), a missing reason are each a clear error
// (code power.bad_override).
core::Result<HubOverrideRequest> parseHubOverride(const nlohmann::json& body,
                                                  const std::vector<HubTimerSpec>& timers,
                                                  core::TimeUs nowUs);

// What the approval stores (and re-parses when approved).
nlohmann::json hubOverrideAction(const HubOverrideRequest& request, int utcOffsetMinutes);
// One line for the approvals page: "power hub-handling-a 120 min from 2026-12-04T19:00:00+09:00:
// year-end batch".
std::string hubOverrideSummary(const HubOverrideRequest& request, int utcOffsetMinutes);

// The window an approval at `approvedUs` gives: from the asked start (or the approval) for the
// asked minutes; an error when it has already passed.
core::Result<HubOverride> approvedOverride(const HubOverrideRequest& request,
                                           const std::string& approval,
                                           const std::string& requestedBy,
                                           const std::string& approvedBy, core::TimeUs approvedUs);

}  // namespace sekimori::power
