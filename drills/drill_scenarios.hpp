#pragma once
// The BCP drills a site rehearses (docs/drills.md): what each scenario does to the plant, when,
// and which criteria its report judges. Data, not code paths: a simulation run sends `steps` to
// the plant simulator at their offsets (nothing is ever actuated on the real plant; the drills
// domain has no write path), an observed run marks the same moments as the operators perform
// them on the real plant.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sekimori::drills {

// One scripted moment of a scenario: `at` after the start, the plant simulator's command
// (sim/plant_sim.py's JSON line) and the timeline's mark for it.
struct ScenarioStep {
    std::chrono::seconds at{0};
    nlohmann::json simCommand;
    std::string mark;  // "feed_a_cut", "feeds_restored": a catalogue key drill.mark.<mark>
};

// The criteria a report can judge (drills/drill_measure.hpp).
enum class CriterionId {
    transferTime,     // the first confirmed transfer after the loss
    generatorOnLoad,  // from the first crank to on load
    upsMinCharge,     // the lowest UPS charge during the run
    voltageSettling,  // after the last transfer, until the voltage stays in its band
    frequencySettling,
    fuelEndurance,  // fuel used over the run, projected to the tanks' endurance
    roomTempRise,   // the room's warmest reading above its value at the start
};
std::string_view toString(CriterionId id);

struct ScenarioSpec {
    std::string id;  // "feed_a_loss"
    std::vector<ScenarioStep> steps;
    std::chrono::seconds duration{0};  // the run ends (and is measured) this long after start
    std::vector<CriterionId> criteria;
};

// How long the site holds a loss in its drills ([drills] in the site file): a feed stays lost
// for `hold` (the retransfer drill half of it, the endurance run `enduranceHold`), and the run
// is measured for `settle` after the feeds return.
struct DrillTiming {
    std::chrono::seconds hold{60};
    std::chrono::seconds enduranceHold{600};
    std::chrono::seconds settle{60};
};

// Every scenario with the site's timing, in the order the console lists them.
std::vector<ScenarioSpec> scenarios(const DrillTiming& timing);
// nullopt for an unknown id.
std::optional<ScenarioSpec> findScenario(std::string_view id, const DrillTiming& timing);

}  // namespace sekimori::drills
