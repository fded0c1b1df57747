#pragma once
// A drill's report as one self-contained HTML file (docs/drills.md): who asked, approved and
// ran it, the criteria pass or fail, an SVG plot of the measured series with the timeline's
// marks, and the timeline itself; Japanese and English, times in the site's zone, print-ready
// (A4). Pure: the same inputs give the same bytes, which the daemon then signs.
#include <string>
#include <vector>

#include "drills/drill_measure.hpp"
#include "drills/drill_runs.hpp"
#include "drills/drill_scenarios.hpp"

namespace sekimori::drills {

struct ReportSeries {
    std::string name;   // kSeriesUpsCharge, ...
    std::string point;  // the telemetry point it was read from
    std::string unit;
    std::vector<Sample> samples;
};

struct DrillReport {
    DrillRun run;  // its timeline included
    ScenarioSpec scenario;
    std::vector<CriterionResult> results;
    std::vector<ReportSeries> series;
    std::string siteName;
    int utcOffsetMinutes = 0;
    core::TimeUs generatedUs = 0;
    std::string signingKeySha256;
};

bool passed(const std::vector<CriterionResult>& results);  // every criterion passed
std::string renderDrillReport(const DrillReport& report);

}  // namespace sekimori::drills
