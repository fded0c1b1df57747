#pragma once
// What a drill measured, against its limits (docs/drills.md, "Criteria"). Pure: the inputs are
// the run's window, the recorded power events of that window (power.transfer with took_ms,
// power.generator_state with start_ms) and the sampled series the trend stores hold; every
// criterion of the scenario is judged pass or fail, and one that cannot be measured (no such
// event, no sample) fails: a drill proves what it measured, never what it did not see.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "drills/drill_scenarios.hpp"

namespace sekimori::drills {

struct TimelineEvent {
    core::TimeUs timeUs = 0;
    std::string type;  // "power.transfer"
    nlohmann::json payload;
};

struct Sample {
    core::TimeUs timeUs = 0;
    double value = 0;
};

// The series a drill reads, by these names (drills/drill_service.cpp maps the site's points).
inline constexpr std::string_view kSeriesUpsCharge = "ups_charge";      // %
inline constexpr std::string_view kSeriesVoltage = "load_voltage";      // V, the source on load
inline constexpr std::string_view kSeriesFrequency = "load_frequency";  // Hz
inline constexpr std::string_view kSeriesFuel = "fuel_litres";          // L in the tanks
inline constexpr std::string_view kSeriesRoomTemp = "room_temp";        // °C

struct DrillInputs {
    core::TimeUs startUs = 0;
    core::TimeUs endUs = 0;
    std::vector<TimelineEvent> events;                               // in time order
    std::map<std::string, std::vector<Sample>, std::less<>> series;  // each in time order
};

struct DrillLimits {
    double transferMaxS = 10;         // every confirmed transfer
    double generatorOnLoadMaxS = 10;  // first crank to on load
    double upsMinChargePercent = 50;
    double nominalVolts = 230;
    double voltageBandPercent = 10;  // settled: within ± this of nominal
    double voltageSettleMaxS = 10;
    double nominalHz = 50;
    double frequencyBandHz = 0.5;
    double frequencySettleMaxS = 10;
    double enduranceMinH = 72;
    double roomTempRiseMaxC = 2;
};

enum class Verdict { pass, fail };

struct CriterionResult {
    CriterionId id = CriterionId::transferTime;
    std::optional<double> measured;  // absent: not measured (and failed)
    double limit = 0;
    std::string unit;        // "s", "%", "h", "degC"
    std::string comparison;  // "<=" or ">="
    Verdict verdict = Verdict::fail;
    std::string detail;  // how it was measured, or why it could not be
};

std::vector<CriterionResult> measure(const ScenarioSpec& scenario, const DrillInputs& inputs,
                                     const DrillLimits& limits);

// {"id","measured"|null,"limit","unit","comparison","verdict":"pass|fail","detail"}
nlohmann::json toJson(const CriterionResult& result);

}  // namespace sekimori::drills
