#include "power/hub_override.hpp"

#include <algorithm>

#include "policy/rfc3339.hpp"

namespace sekimori::power {

namespace {

using json = nlohmann::json;

constexpr core::TimeUs kUsPerMinute = 60'000'000;
constexpr core::TimeUs kMaxLeadUs = 7LL * 24 * 60 * kUsPerMinute;
// A start a little behind the server's clock (the operator's clock, the time to type) is now.
constexpr core::TimeUs kPastSlackUs = 5 * kUsPerMinute;

core::Error bad(std::string message) {
    return core::makeError("power.bad_override", std::move(message));
}

}  // namespace

core::Result<HubOverrideRequest> parseHubOverride(const json& body,
                                                  const std::vector<HubTimerSpec>& timers,
                                                  core::TimeUs nowUs) {
    if (!body.is_object()) {
        return bad("the body must be a JSON object");
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "hub" && key != "minutes" && key != "from" && key != "reason") {
            return bad("body." + key + ": unknown field");
        }
    }
    HubOverrideRequest request;
    if (!body.contains("hub") || !body["hub"].is_string()) {
        return bad("body.hub: the hub timer's id");
    }
    request.hub = body["hub"].get<std::string>();
    const HubTimerSpec* spec = nullptr;
    for (const auto& timer : timers) {
        if (timer.config.id == request.hub) {
            spec = &timer;
        }
    }
    if (spec == nullptr) {
        return bad("body.hub: no hub timer '" + request.hub + "'");
    }
    if (!spec->config.allowOverride) {
        return bad("body.hub: '" + request.hub +
                   "' allows no override (allow_override = false in the site file)");
    }
    const auto maxMinutes = spec->overrideMax.count();
    if (!body.contains("minutes") || !body["minutes"].is_number_integer() ||
        body["minutes"].get<std::int64_t>() < 1 ||
        body["minutes"].get<std::int64_t>() > maxMinutes) {
        return bad("body.minutes: a whole number of minutes, 1.." + std::to_string(maxMinutes));
    }
    request.minutes = body["minutes"].get<int>();
    if (body.contains("from")) {
        const auto from = body["from"].is_string()
                              ? policy::parseRfc3339(body["from"].get<std::string>())
                              : std::nullopt;
        if (!from) {
            return bad("body.from: an RFC 3339 time with its offset, 2026-12-04T19:00:00+09:00");
        }
        if (*from < nowUs - kPastSlackUs || *from > nowUs + kMaxLeadUs) {
            return bad("body.from: from now to 7 days ahead");
        }
        request.fromUs = *from;
    }
    // Blank (ASCII or ideographic spaces only: U+3000's UTF-8 bytes are in the set) is no reason.
    const bool said =
        body.contains("reason") && body["reason"].is_string() &&
        body["reason"].get<std::string>().find_first_not_of(" \t\r\n\u3000") != std::string::npos;
    if (!said || body["reason"].get<std::string>().size() > 500) {
        return bad(
            "body.reason: required, at most 500 characters (the work that needs the network)");
    }
    request.reason = body["reason"].get<std::string>();
    return request;
}

json hubOverrideAction(const HubOverrideRequest& request, int utcOffsetMinutes) {
    json action{{"hub", request.hub}, {"minutes", request.minutes}, {"reason", request.reason}};
    if (request.fromUs) {
        action["from"] = policy::formatRfc3339(*request.fromUs, utcOffsetMinutes);
    }
    return action;
}

std::string hubOverrideSummary(const HubOverrideRequest& request, int utcOffsetMinutes) {
    std::string out = std::string("power ").append(request.hub).append(" ");
    out.append(std::to_string(request.minutes)).append(" min ");
    out.append(request.fromUs ? "from " + policy::formatRfc3339(*request.fromUs, utcOffsetMinutes)
                              : std::string("from approval"));
    return out.append(": ").append(request.reason);
}

core::Result<HubOverride> approvedOverride(const HubOverrideRequest& request,
                                           const std::string& approval,
                                           const std::string& requestedBy,
                                           const std::string& approvedBy, core::TimeUs approvedUs) {
    HubOverride o;
    o.approval = approval;
    o.hub = request.hub;
    const core::TimeUs start = request.fromUs.value_or(approvedUs);
    o.untilUs = start + request.minutes * kUsPerMinute;
    o.fromUs = std::max(start, approvedUs);
    if (o.untilUs <= approvedUs) {
        return bad("the window asked for has passed before it was approved");
    }
    o.reason = request.reason;
    o.requestedBy = requestedBy;
    o.approvedBy = approvedBy;
    return o;
}

}  // namespace sekimori::power
