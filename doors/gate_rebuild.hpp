#pragma once
// A circle gate's supervised state survives a restart: a gate released for fire, awaiting its
// re-arm, without power, with a refused cycle, a stuck leaf or an object left is shown so after
// the daemon restarts, not as an idle gate. Its last reports are read back from the audit trail
// (each gate.* event keeps the panel's signed report) and replayed through gate_supervision's own
// step, so the rebuilt state follows exactly the rules the live one does. Blocking SQLite: the
// credential cache's reader thread only (like doors/presence_rebuild); the service applies the
// result on the io thread before it serves.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/door_spec.hpp"
#include "doors/gate_supervision.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

// The newest reports per gate replayed: enough for every state a gate can be left in (a fire
// release, a power loss or a refusal is followed by few reports until it is cleared).
inline constexpr std::size_t kGateReplayReports = 500;

// One recorded gate report: the panel's event as it signed it, and when it was recorded.
struct GateRecord {
    protocol::PanelEvent event;
    core::TimeUs timeUs = 0;
};

// What the trail gives back: the last `perGate` reports of each gate, oldest first, by gate id,
// and how many recorded reports were refused.
struct GateTrail {
    std::map<std::string, std::vector<GateRecord>> records;
    std::size_t refused = 0;
};
// Each recorded report is checked again as the gateway checked it when it arrived: it parses,
// and it carries its panel's signature under the pinned key (`signKeys`, the key files), at
// `site`. A row written behind the daemon that fails is refused (counted), never replayed.
// Empty for a fresh database.
core::Result<GateTrail> readGateRecords(core::Database& db, const std::string& site,
                                        const std::map<std::string, core::Bytes>& signKeys,
                                        std::size_t perGate = kGateReplayReports);

// The gate's state after its records, as gate_supervision::step leaves it, with what only a
// running daemon knows reset: no pending grant (the sessions are gone), counters from zero.
GateState replayGate(const DoorSpec& spec, const std::vector<GateRecord>& records);

}  // namespace sekimori::doors
