#include "drills/drill_scenarios.hpp"

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

const std::vector<ScenarioSpec>& scenarios() {
    using C = CriterionId;
    static const std::vector<ScenarioSpec> all{
        // Feed A lost: the switch moves the load to B; A back, the load returns to it.
        {"feed_a_loss",
         {cut(seconds(0), "a"), restore(seconds(60), "a")},
         seconds(120),
         {C::transferTime, C::upsMinCharge, C::voltageSettling, C::frequencySettling,
          C::roomTempRise}},
        // Both feeds lost: the UPS rides through, the generator starts and takes the load.
        {"both_feeds_loss",
         {cut(seconds(0), "a"), cut(seconds(0), "b"), restore(seconds(120), "a"),
          restore(seconds(120), "b")},
         seconds(240),
         {C::generatorOnLoad, C::transferTime, C::upsMinCharge, C::voltageSettling,
          C::frequencySettling, C::fuelEndurance, C::roomTempRise}},
        // The return to the preferred feed once it is back, judged on its own.
        {"retransfer",
         {cut(seconds(0), "a"), restore(seconds(30), "a")},
         seconds(90),
         {C::transferTime, C::voltageSettling, C::frequencySettling}},
        // The generator carries the site for ten minutes: its burn against the 72 h rule.
        {"endurance",
         {cut(seconds(0), "a"), cut(seconds(0), "b"), restore(seconds(600), "a"),
          restore(seconds(600), "b")},
         seconds(660),
         {C::generatorOnLoad, C::fuelEndurance, C::roomTempRise}},
        // The other site's controller takes the doors: a rehearsal of the script, by people.
        {"site_switchover",
         {manual(seconds(0), "standby_notified"), manual(seconds(300), "doors_handed_over"),
          manual(seconds(900), "doors_handed_back")},
         seconds(1200),
         {}},
    };
    return all;
}

const ScenarioSpec* findScenario(std::string_view id) {
    for (const auto& s : scenarios()) {
        if (s.id == id) {
            return &s;
        }
    }
    return nullptr;
}

}  // namespace sekimori::drills
