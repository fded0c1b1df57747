#pragma once
// The drills the daemon knows of, folded from their drill.* events (drills/drill_event_types.hpp)
// as they are published, and at start from the trail: what the console lists and shows live.
// A running drill's timeline (the power.* and hvac.* events of its window) is kept here too, in
// memory; an older run's timeline is in its signed report. Lives on the io thread; pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "drills/drill_measure.hpp"

namespace sekimori::drills {

enum class RunState { approved, running, finished, aborted };
std::string_view toString(RunState state);

struct RunStep {
    int atS = 0;
    std::string mark;
    bool sends = false;       // simulation: a command for the simulator
    core::TimeUs doneUs = 0;  // when it was sent or confirmed; 0 not yet
};

struct DrillRun {
    std::string id;  // the approval's id
    std::string scenario;
    std::string mode;  // simulation | observe
    std::string reason;
    std::string requestedBy;
    std::string approvedBy;
    RunState state = RunState::approved;
    core::TimeUs approvedUs = 0;
    core::TimeUs startedUs = 0;
    core::TimeUs endsUs = 0;
    core::TimeUs finishedUs = 0;  // finished or aborted
    std::vector<RunStep> steps;
    std::vector<TimelineEvent> timeline;
    std::optional<bool> passed;
    nlohmann::json criteria = nlohmann::json::array();
    std::string reportSha256;
    nlohmann::json abort;  // null, or {reason, by, message}
};

class DrillRuns {
  public:
    // Folds one drill.* event (any other type is ignored). Unknown runs of later events are
    // ignored too: a run begins with its drill.approved.
    void apply(std::string_view type, core::TimeUs timeUs, const nlohmann::json& payload);
    // A power.* or hvac.* event during the running drill: into its timeline (and nowhere when
    // no drill runs).
    void observe(TimelineEvent event);

    const DrillRun* find(std::string_view id) const;
    const DrillRun* running() const;  // approved or running
    // Runs approved or started that neither finished nor stopped (after a restart: interrupted).
    std::vector<const DrillRun*> unfinished() const;

    nlohmann::json toJson(const DrillRun& run, bool withTimeline) const;
    nlohmann::json list() const;  // newest first, without timelines

  private:
    DrillRun* lookup(std::string_view id);
    std::vector<DrillRun> runs_;  // oldest first
};

}  // namespace sekimori::drills
