#include "drills/drill_scenarios.hpp"

#include <algorithm>

namespace sekimori::drills {

namespace {

using json = nlohmann::json;
using std::chrono::seconds;

ScenarioStep cut(seconds at, const char* feed) {
    return ScenarioStep{at, json{{"do", "cut"}, {"feed", feed}},
                        std::string("feed_").append(feed).append("_cut")};
}

ScenarioStep restore(seconds at, const char* feed) {
    return ScenarioStep{at, json{{"do", "restore"}, {"feed", feed}},
                        std::string("feed_").append(feed).append("_restored")};
}

// A moment of the rehearsal that people perform and confirm (no simulator command).
ScenarioStep manual(seconds at, const char* mark) {
    return ScenarioStep{at, json(nullptr), mark};
}

}  // namespace

std::string_view toString(CriterionId id) {
    switch (id) {
        case CriterionId::transferTime:
            return "transfer_time";
        case CriterionId::generatorOnLoad:
            return "generator_on_load";
        case CriterionId::upsMinCharge:
            return "ups_min_charge";
        case CriterionId::voltageSettling:
            return "voltage_settling";
        case CriterionId::frequencySettling:
            return "frequency_settling";
        case CriterionId::fuelEndurance:
            return "fuel_endurance";
        case CriterionId::roomTempRise:
            return "room_temp_rise";
    }
    return "transfer_time";
}

std::vector<ScenarioSpec> scenarios(const DrillTiming& timing) {
    using C = CriterionId;
    const seconds hold = timing.hold;
    const seconds half = std::max(seconds(5), hold / 2);
    const seconds endurance = timing.enduranceHold;
    const seconds settle = timing.settle;
    return {
        // Feed A lost: the switch moves the load to B; A back, the load returns to it.
        {"feed_a_loss",
         {cut(seconds(0), "a"), restore(hold, "a")},
         hold + settle,
         {C::transferTime, C::upsMinCharge, C::voltageSettling, C::frequencySettling,
          C::roomTempRise}},
        // Both feeds lost: the UPS rides through, the generator starts and takes the load. Its
        // fuel is judged by the endurance run (a short hold burns less than the gauge shows).
        {"both_feeds_loss",
         {cut(seconds(0), "a"), cut(seconds(0), "b"), restore(hold, "a"), restore(hold, "b")},
         hold + settle,
         {C::generatorOnLoad, C::transferTime, C::upsMinCharge, C::voltageSettling,
          C::frequencySettling, C::roomTempRise}},
        // The return to the preferred feed once it is back, judged on its own.
        {"retransfer",
         {cut(seconds(0), "a"), restore(half, "a")},
         half + settle,
         {C::transferTime, C::voltageSettling, C::frequencySettling}},
        // The generator carries the site: its burn against the 72 h rule.
        {"endurance",
         {cut(seconds(0), "a"), cut(seconds(0), "b"), restore(endurance, "a"),
          restore(endurance, "b")},
         endurance + settle,
         {C::generatorOnLoad, C::fuelEndurance, C::roomTempRise}},
        // The other site's controller takes the doors: a rehearsal of the script, by people.
        {"site_switchover",
         {manual(seconds(0), "standby_notified"), manual(seconds(300), "doors_handed_over"),
          manual(seconds(900), "doors_handed_back")},
         seconds(1200),
         {}},
    };
}

std::optional<ScenarioSpec> findScenario(std::string_view id, const DrillTiming& timing) {
    for (auto& s : scenarios(timing)) {
        if (s.id == id) {
            return s;
        }
    }
    return std::nullopt;
}

}  // namespace sekimori::drills
