#include "drills/drill_runs.hpp"

#include <algorithm>

#include "drills/drill_event_types.hpp"

namespace sekimori::drills {

namespace {

using json = nlohmann::json;

// Kept per run: a long endurance run's plant may chatter; the report needs the transfers and
// state changes, and the console only the newest.
constexpr std::size_t kMaxTimeline = 5000;

std::string text(const json& payload, const char* key) {
    auto it = payload.find(key);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

core::TimeUs timeOf(const json& payload, const char* key) {
    auto it = payload.find(key);
    return it != payload.end() && it->is_number_integer() ? it->get<core::TimeUs>() : 0;
}

}  // namespace

std::string_view toString(RunState state) {
    switch (state) {
        case RunState::approved:
            return "approved";
        case RunState::running:
            return "running";
        case RunState::finished:
            return "finished";
        case RunState::aborted:
            return "aborted";
    }
    return "approved";
}

DrillRun* DrillRuns::lookup(std::string_view id) {
    for (auto& run : runs_) {
        if (run.id == id) {
            return &run;
        }
    }
    return nullptr;
}

const DrillRun* DrillRuns::find(std::string_view id) const {
    return const_cast<DrillRuns*>(this)->lookup(id);
}

const DrillRun* DrillRuns::running() const {
    for (const auto& run : runs_) {
        if (run.state == RunState::approved || run.state == RunState::running) {
            return &run;
        }
    }
    return nullptr;
}

std::vector<const DrillRun*> DrillRuns::unfinished() const {
    std::vector<const DrillRun*> out;
    for (const auto& run : runs_) {
        if (run.state == RunState::approved || run.state == RunState::running) {
            out.push_back(&run);
        }
    }
    return out;
}

void DrillRuns::apply(std::string_view type, core::TimeUs timeUs, const json& payload) {
    if (!payload.is_object()) {
        return;
    }
    const std::string id = text(payload, "run");
    if (id.empty()) {
        return;
    }
    if (type == kDrillApproved.name) {
        if (lookup(id) != nullptr) {
            return;
        }
        DrillRun run;
        run.id = id;
        run.scenario = text(payload, "scenario");
        run.mode = text(payload, "mode");
        run.reason = text(payload, "reason");
        run.requestedBy = text(payload, "requested_by");
        run.approvedBy = text(payload, "approved_by");
        run.approvedUs = timeUs;
        runs_.push_back(std::move(run));
        return;
    }
    DrillRun* run = lookup(id);
    if (run == nullptr) {
        return;
    }
    if (type == kDrillStarted.name) {
        run->state = RunState::running;
        run->startedUs = timeOf(payload, "started_us");
        run->endsUs = timeOf(payload, "ends_us");
        run->steps.clear();
        for (const auto& s : payload.value("steps", json::array())) {
            if (s.is_object()) {
                run->steps.push_back(
                    RunStep{s.value("at_s", 0), s.value("mark", ""), s.value("sends", false), 0});
            }
        }
        run->timeline.assign(1, TimelineEvent{timeUs, std::string(type), payload});
    } else if (type == kDrillStep.name || type == kDrillMarked.name) {
        const std::string mark = text(payload, "mark");
        for (auto& step : run->steps) {
            if (step.mark == mark && step.doneUs == 0) {
                step.doneUs = timeUs;
                break;
            }
        }
        if (run->timeline.size() < kMaxTimeline) {
            run->timeline.push_back(TimelineEvent{timeUs, std::string(type), payload});
        }
    } else if (type == kDrillFinished.name) {
        run->state = RunState::finished;
        run->finishedUs = timeUs;
        run->passed = payload.value("passed", false);
        run->criteria = payload.value("criteria", json::array());
        run->reportSha256 = text(payload, "report_sha256");
    } else if (type == kDrillAborted.name) {
        run->state = RunState::aborted;
        run->finishedUs = timeUs;
        run->abort = json{{"reason", text(payload, "reason")},
                          {"by", text(payload, "by")},
                          {"message", text(payload, "message")}};
    }
}

void DrillRuns::observe(TimelineEvent event) {
    for (auto& run : runs_) {
        if (run.state == RunState::running && event.timeUs >= run.startedUs &&
            run.timeline.size() < kMaxTimeline) {
            run.timeline.push_back(std::move(event));
            return;
        }
    }
}

json DrillRuns::toJson(const DrillRun& run, bool withTimeline) const {
    auto orNull = [](core::TimeUs t) { return t == 0 ? json(nullptr) : json(t); };
    json steps = json::array();
    for (const auto& s : run.steps) {
        steps.push_back(
            {{"at_s", s.atS}, {"mark", s.mark}, {"sends", s.sends}, {"done_us", orNull(s.doneUs)}});
    }
    json out{{"id", run.id},
             {"scenario", run.scenario},
             {"mode", run.mode},
             {"state", toString(run.state)},
             {"reason", run.reason},
             {"requested_by", run.requestedBy},
             {"approved_by", run.approvedBy},
             {"approved_us", run.approvedUs},
             {"started_us", orNull(run.startedUs)},
             {"ends_us", orNull(run.endsUs)},
             {"finished_us", orNull(run.finishedUs)},
             {"steps", std::move(steps)},
             {"passed", run.passed ? json(*run.passed) : json(nullptr)},
             {"criteria", run.criteria},
             {"abort", run.abort}};
    if (!run.reportSha256.empty()) {
        const std::string base = "/api/drills/runs/" + run.id + "/report.html";
        out["report"] = {
            {"sha256", run.reportSha256}, {"html", base}, {"signature", base + ".sig"}};
    } else {
        out["report"] = nullptr;
    }
    if (withTimeline) {
        json timeline = json::array();
        for (const auto& e : run.timeline) {
            timeline.push_back({{"time_us", e.timeUs}, {"type", e.type}, {"payload", e.payload}});
        }
        out["timeline"] = std::move(timeline);
    }
    return out;
}

json DrillRuns::list() const {
    json out = json::array();
    for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
        out.push_back(toJson(*it, false));
    }
    return out;
}

}  // namespace sekimori::drills
