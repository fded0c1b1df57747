#include "drills/drill_request.hpp"

namespace sekimori::drills {

namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxReason = 500;

core::Error bad(std::string message) {
    return core::makeError("drills.bad_request", std::move(message));
}

}  // namespace

bool saysSomething(std::string_view text) {
    static constexpr std::string_view kIdeographicSpace = "\u3000";
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.substr(i, kIdeographicSpace.size()) == kIdeographicSpace) {
            i += kIdeographicSpace.size();
        } else if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
            ++i;
        } else {
            return true;
        }
    }
    return false;
}

core::Result<DrillRequest> parseDrillRequest(const json& body, const DrillsConfig& config) {
    if (!body.is_object()) {
        return bad("body: a JSON object {scenario, mode, reason}");
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "scenario" && key != "mode" && key != "reason") {
            return bad("body." + key + ": unknown key (scenario, mode, reason)");
        }
    }
    DrillRequest r;
    if (!body.contains("scenario") || !body["scenario"].is_string() ||
        !findScenario(body["scenario"].get<std::string>(), config.timing)) {
        std::string known;
        for (const auto& s : scenarios(config.timing)) {
            known += (known.empty() ? "" : ", ") + s.id;
        }
        return bad("body.scenario: one of " + known);
    }
    r.scenario = body["scenario"].get<std::string>();
    if (!body.contains("mode") || !body["mode"].is_string() ||
        (body["mode"] != "simulation" && body["mode"] != "observe")) {
        return bad("body.mode: simulation or observe");
    }
    r.mode = body["mode"].get<std::string>();
    if (!body.contains("reason") || !body["reason"].is_string() ||
        !saysSomething(body["reason"].get_ref<const std::string&>()) ||
        body["reason"].get_ref<const std::string&>().size() > kMaxReason) {
        return bad("body.reason: required, at most 500 bytes (why this drill, now)");
    }
    r.reason = body["reason"].get<std::string>();
    if (r.mode == "simulation" && !config.simulator) {
        return core::makeError("drills.no_simulator",
                               "this site has no plant simulator ([drills] simulator): a drill "
                               "here can only observe a real test");
    }
    return r;
}

json drillAction(const DrillRequest& request) {
    return json{{"scenario", request.scenario}, {"mode", request.mode}, {"reason", request.reason}};
}

std::string drillSummary(const DrillRequest& request) {
    return "BCP drill " + request.scenario + " (" + request.mode + "): " + request.reason;
}

}  // namespace sekimori::drills
