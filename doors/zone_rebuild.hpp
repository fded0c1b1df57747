#pragma once
// Zone control survives a restart: the lockdowns in force, the anti-passback forgiveness not
// yet used, the last muster roll and the never-alone alarms still raised are read back from the
// audit trail (in seq order) before the doors service serves, so a restart never opens a
// locked-down zone. Blocking SQLite: the credential cache's reader thread only (like
// doors/presence_rebuild); zone control applies the result on the io thread.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/zone_muster.hpp"

namespace sekimori::doors {

struct ZoneTrail {
    // zone.lockdown_started / zone.lockdown_lifted, in seq order, for LockdownState::replay.
    struct Record {
        std::string type;
        nlohmann::json payload;
        core::TimeUs timeUs = 0;
    };
    std::vector<Record> lockdownEvents;
    // People with an access.passback_forgiven after which they made no entry: a forgiveness
    // lasts until the person's next entry grant (access.granted, side entry, as the one who
    // badged or as one of its companions).
    std::set<std::string> forgiven;
    // The last zone.muster_started.
    std::optional<MusterRoll> muster;
    // zone.alone without a later zone.alone_cleared: zone -> who, since when.
    struct Alone {
        std::string person;
        core::TimeUs sinceUs = 0;
    };
    std::map<std::string, Alone> alone;
};

// An empty ZoneTrail when the trail does not exist yet (a fresh database). One pass over the
// trail; a grant's payload is read only while someone's forgiveness is pending.
core::Result<ZoneTrail> readZoneTrail(core::Database& db);

}  // namespace sekimori::doors
