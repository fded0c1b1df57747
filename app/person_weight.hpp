#pragma once
// `sekimori person weight --id ID --kg KG`: the body weight a circle gate's plate checks the
// person against (PATCH /api/people/{id} weight_kg, docs/openapi.yaml), checked on the command
// line before anything is sent. The daemon records the change (person.updated, weight_g) with
// the operator who logged in, as for every other field.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace sekimori::app {

struct WeightChange {
    nlohmann::json body;  // {"weight_kg": KG}
    std::string done;     // "person ID weight 72.5 kg", or "person ID weight removed" for 0
};

// KG is a plain decimal number of kilograms, 0..300 ("72", "72.5"); 0 removes the enrolled
// weight. Anything else (a sign, a unit, an exponent, inf, nan, more than 300) is
// "cli.bad_argument" naming --kg.
core::Result<WeightChange> weightChange(const std::string& person, std::string_view kg);

}  // namespace sekimori::app
