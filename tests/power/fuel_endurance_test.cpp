// The generator's burn curve, interpolated and clamped, and the fuel left projected forward:
// a curve whose burn is not proportional to the load gives figures a straight line from full
// load would get wrong.
#include "power/fuel_endurance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sekimori::power {
namespace {

std::vector<BurnPoint> curve(std::initializer_list<std::pair<double, double>> points) {
    std::vector<BurnPoint> out;
    for (const auto& [x, y] : points) {
        BurnPoint p;
        p.loadFraction = x;
        p.litresPerHour = y;
        out.push_back(p);
    }
    return out;
}

// The demo site's 1 MW diesel (config/demo-site.toml).
const std::vector<BurnPoint> kDiesel =
    curve({{0.0, 24.0}, {0.25, 78.0}, {0.5, 139.0}, {0.75, 198.0}, {1.0, 258.0}});

GeneratorConfig generator() {
    GeneratorConfig g;
    g.device = "gen-1";
    g.ratingKw = 1000;
    g.burnCurve = kDiesel;
    g.siteLoadKw = 380;
    g.dayTankLitres = 950;
    g.bulkTankLitres = 30000;
    return g;
}

struct BurnCase {
    double fraction;
    double litresPerHour;
};

TEST(BurnLitresPerHour, InterpolatesBetweenPointsAndClampsOutside) {
    const BurnCase cases[] = {
        {0.0, 24.0},
        {0.25, 78.0},
        {0.125, 51.0},
        {0.38, 109.72},
        {0.6, 162.6},
        {1.0, 258.0},
        {1.2, 258.0},
        {-0.1, 24.0},
        {0.875, 228.0},
        {std::numeric_limits<double>::infinity(), 258.0},
        {std::numeric_limits<double>::quiet_NaN(), 24.0},
    };
    for (const auto& c : cases) {
        EXPECT_NEAR(burnLitresPerHour(kDiesel, c.fraction), c.litresPerHour, 1e-9)
            << "at " << c.fraction;
    }
}

TEST(BurnLitresPerHour, ACurveThatStartsAboveNoLoadHoldsItsFirstFigureBelow) {
    const auto partial = curve({{0.3, 90.0}, {0.9, 210.0}});
    EXPECT_DOUBLE_EQ(burnLitresPerHour(partial, 0.1), 90.0);
    EXPECT_DOUBLE_EQ(burnLitresPerHour(partial, 0.6), 150.0);
    EXPECT_DOUBLE_EQ(burnLitresPerHour(partial, 0.95), 210.0);
    EXPECT_DOUBLE_EQ(burnLitresPerHour({}, 0.5), 0.0);
}

// Scaling full-load burn by the load (258 L/h x 0.1 = 25.8 L/h) would promise 1,200 h on the
// demo's tanks at 100 kW; the engine really burns 45.6 L/h there: 679 h.
TEST(BurnLitresPerHour, ALightLoadBurnsFarMoreThanAStraightLineFromFullLoadSays) {
    const double straight = 258.0 * 0.1;
    const double curved = burnLitresPerHour(kDiesel, 0.1);
    EXPECT_NEAR(curved, 45.6, 1e-9);
    EXPECT_GT(curved, 1.7 * straight);
    const FuelProjection p = projectFuel(generator(), 30950, 100, 0, 1);
    EXPECT_NEAR(p.enduranceHours, 30950 / 45.6, 1e-6);
    EXPECT_LT(p.enduranceHours, 0.6 * 30950 / straight);
}

TEST(ProjectFuel, ThePlotRunsDownAtTheLoadsBurnAndMarksWhereItRunsOut) {
    // 1,000 L at full load (258 L/h): empty after 3.876 h, inside a 6 h plot of 3 steps.
    const FuelProjection p = projectFuel(generator(), 1000, 1000, 6, 3);
    EXPECT_DOUBLE_EQ(p.litresPerHour, 258.0);
    EXPECT_NEAR(p.enduranceHours, 1000 / 258.0, 1e-12);
    ASSERT_EQ(p.points.size(), 5U);
    EXPECT_DOUBLE_EQ(p.points[0].first, 0.0);
    EXPECT_DOUBLE_EQ(p.points[0].second, 1000.0);
    EXPECT_DOUBLE_EQ(p.points[1].first, 2.0);
    EXPECT_DOUBLE_EQ(p.points[1].second, 1000 - 2 * 258.0);
    EXPECT_NEAR(p.points[2].first, 1000 / 258.0, 1e-12);  // the tanks run dry
    EXPECT_DOUBLE_EQ(p.points[2].second, 0.0);
    EXPECT_DOUBLE_EQ(p.points[3].first, 4.0);
    EXPECT_DOUBLE_EQ(p.points[3].second, 0.0);  // never below empty
    EXPECT_DOUBLE_EQ(p.points[4].first, 6.0);
}

TEST(ProjectFuel, EnoughFuelForThePlotAddsNoEmptyPoint) {
    const FuelProjection p = projectFuel(generator(), 30950, 380, 96, 48);
    ASSERT_EQ(p.points.size(), 49U);
    EXPECT_NEAR(p.enduranceHours, 30950 / 109.72, 1e-9);
    EXPECT_DOUBLE_EQ(p.points.back().first, 96.0);
    EXPECT_NEAR(p.points.back().second, 30950 - 96 * 109.72, 1e-9);
}

TEST(ProjectFuel, NoFuelAndBadArgumentsStayFinite) {
    const FuelProjection none = projectFuel(generator(), -5, 380, 10, 0);
    EXPECT_DOUBLE_EQ(none.enduranceHours, 0.0);
    ASSERT_EQ(none.points.size(), 3U);  // a step of at least 1, the empty point at 0
    for (const auto& [h, l] : none.points) {
        EXPECT_TRUE(std::isfinite(h));
        EXPECT_DOUBLE_EQ(l, 0.0);
    }
}

TEST(FuelEnduranceHours, TheSiteRuleReadsTheCurveAtSiteLoad) {
    EXPECT_NEAR(fuelEnduranceHours(generator()), 30950 / 109.72, 1e-9);
}

}  // namespace
}  // namespace sekimori::power
