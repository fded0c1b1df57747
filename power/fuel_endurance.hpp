#pragma once
// How long the generator's fuel lasts: its consumption curve interpolated at a load (a diesel
// burns fuel even unloaded, so its burn is not proportional to its load) and the
// fuel left projected forward at that load, for the alarm and the console's plot. Pure.
#include <utility>
#include <vector>

#include "power/power_config.hpp"

namespace sekimori::power {

// Litres per hour at `loadFraction` of the rating: linear between the curve's neighbouring
// points, the first or last point's figure outside them (an overload burns like full load
// here). A fraction that is not a number counts as no load; an empty curve burns 0.
double burnLitresPerHour(const std::vector<BurnPoint>& curve, double loadFraction);

struct FuelProjection {
    double litresPerHour = 0;   // at the load asked for
    double enduranceHours = 0;  // until the tanks are empty at that load (0 with no fuel)
    // (hours from now, litres left): steps + 1 evenly spaced points from 0 to hoursAhead, plus
    // the point where the fuel runs out when that is inside the range; litres never below 0.
    std::vector<std::pair<double, double>> points;
};

// `loadKw` as a fraction of the generator's rating_kw; `steps` below 1 counts as 1.
FuelProjection projectFuel(const GeneratorConfig& generator, double litresNow, double loadKw,
                           double hoursAhead, int steps);

}  // namespace sekimori::power
