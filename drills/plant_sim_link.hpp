#pragma once
// The only thing a drill sends anywhere: one JSON command line to the plant simulator's control
// port (sim/plant_sim.py --control PORT) and its one-line answer. Blocking, with a bound on the
// whole exchange; call it off the io thread (the drills service's own worker).
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/host_port.hpp"
#include "core/result.hpp"

namespace sekimori::drills {

// The simulator's answer. Errors: drills.sim_connect (nothing listens), drills.sim_timeout (no
// answer in time), drills.sim_answer (not one JSON object line, or {"error": ...}).
core::Result<nlohmann::json> sendToSimulator(const core::HostPort& simulator,
                                             const nlohmann::json& command,
                                             std::chrono::milliseconds timeout);

}  // namespace sekimori::drills
