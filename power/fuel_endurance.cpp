#include "power/fuel_endurance.hpp"

#include <algorithm>
#include <cmath>

namespace sekimori::power {

double burnLitresPerHour(const std::vector<BurnPoint>& curve, double loadFraction) {
    if (curve.empty()) {
        return 0;
    }
    const double x = std::isnan(loadFraction) ? 0.0 : loadFraction;
    if (x <= curve.front().loadFraction) {
        return curve.front().litresPerHour;
    }
    for (std::size_t i = 1; i < curve.size(); ++i) {
        const BurnPoint& low = curve[i - 1];
        const BurnPoint& high = curve[i];
        if (x <= high.loadFraction) {
            const double span = high.loadFraction - low.loadFraction;
            if (span <= 0) {
                return high.litresPerHour;
            }
            return low.litresPerHour +
                   (high.litresPerHour - low.litresPerHour) * (x - low.loadFraction) / span;
        }
    }
    return curve.back().litresPerHour;
}

FuelProjection projectFuel(const GeneratorConfig& generator, double litresNow, double loadKw,
                           double hoursAhead, int steps) {
    FuelProjection projection;
    const double litres = std::isfinite(litresNow) ? std::max(litresNow, 0.0) : 0.0;
    const double fraction = generator.ratingKw > 0 ? loadKw / generator.ratingKw : 1.0;
    projection.litresPerHour = burnLitresPerHour(generator.burnCurve, fraction);
    const double burn = projection.litresPerHour;
    projection.enduranceHours = burn > 0 ? litres / burn : 0.0;
    const int n = std::max(steps, 1);
    const double ahead = std::isfinite(hoursAhead) ? std::max(hoursAhead, 0.0) : 0.0;
    const double empty = projection.enduranceHours;
    bool emptyAdded = !(burn > 0) || empty >= ahead;
    for (int i = 0; i <= n; ++i) {
        const double hours = ahead * i / n;
        if (!emptyAdded && hours > empty) {
            projection.points.emplace_back(empty, 0.0);
            emptyAdded = true;
        }
        projection.points.emplace_back(hours, std::max(litres - burn * hours, 0.0));
    }
    return projection;
}

}  // namespace sekimori::power
