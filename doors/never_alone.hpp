#pragma once
// Never alone, checked continuously: per never_alone zone ([[zone_rules]] never_alone), one
// person left inside raises zone.alone after the zone's alone grace; the count leaving one
// (a second person arrives, or the last leaves) clears it at once with zone.alone_cleared.
// Pure: zone control (doors/zone_control) feeds it the occupants after every presence change,
// ticks it at nextDeadline() and records what it returns.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.hpp"

namespace sekimori::doors {

struct AloneRaised {
    std::string zone;
    std::string person;        // the one inside
    core::TimeUs sinceUs = 0;  // since when they have been alone
};
struct AloneCleared {
    std::string zone;
    std::size_t count = 0;  // inside now: 0, or 2 and more
};
using AloneChange = std::variant<AloneRaised, AloneCleared>;

class NeverAloneWatch {
  public:
    // Watches `zone`: alone for `graceUs` raises.
    void watch(const std::string& zone, core::TimeUs graceUs);
    bool watches(const std::string& zone) const;

    // The zone's occupants now (Presence::occupants). Ignored for a zone not watched. Returns
    // a clear when an alarm was active and the count is no longer one, a raise when the grace
    // is already over (grace 0).
    std::vector<AloneChange> update(const std::string& zone,
                                    const std::vector<std::string>& occupants, core::TimeUs now);
    // Raises every zone whose grace ended by `now`.
    std::vector<AloneChange> tick(core::TimeUs now);
    // The earliest pending raise; nullopt when none is pending.
    std::optional<core::TimeUs> nextDeadline() const;

    // Restart: an alarm the trail shows active (zone.alone without a later zone.alone_cleared)
    // is taken as raised, so it is not raised twice and clears when the count leaves one.
    void restoreRaised(const std::string& zone, const std::string& person, core::TimeUs sinceUs);

    bool raised(const std::string& zone) const;
    // {"<zone>": {"state": "ok"|"pending"|"alone", "person":.., "since_us":.., "due_us":..}}
    nlohmann::json toJson() const;

  private:
    struct ZoneWatch {
        core::TimeUs graceUs = 0;
        std::string person;        // the one alone; empty when not alone
        core::TimeUs sinceUs = 0;  // alone since
        bool raised = false;
    };
    std::map<std::string, ZoneWatch> zones_;
};

}  // namespace sekimori::doors
