#pragma once
// What the custody domain decides, as pure functions of its config, its state (the trail's
// fold, custody/custody_state.hpp) and the time: which slots a grant at a cabinet releases, what
// a device report records, which keys are overdue, whose leaving raises an alarm. Each returns
// the events to record; the service records them and the state changes only when they are
// durable (from the bus). No I/O.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "custody/custody_config.hpp"
#include "custody/custody_state.hpp"
#include "custody/device_messages.hpp"

namespace sekimori::custody {

// The site's zones as parents (core [[zones]]): a zone without a parent is the site's outside.
struct ZoneTree {
    std::map<std::string, std::string> parents;
    bool within(const std::string& zone, const std::string& ancestor) const;
    bool onSite(const std::string& zone) const;  // inside the site root, not the root itself
};

// The doors' answer to "may this person enter this zone now" (policy/zone_access_query.hpp).
struct ZoneAnswer {
    bool allowed = false;
    std::string personName;
    std::string reason;
};
using MayEnter = std::function<ZoneAnswer(const std::string& person, const std::string& zone)>;

// A grant at a cabinet's door: custody.release_sent with the slots whose key is in, that the
// person's levels admit to the zone the key opens, with an approved request where the key needs
// one; each other key of the cabinet listed in `refused` with why.
core::Event releaseEvent(const CustodyConfig& config, const CustodyState& state,
                         const KeyCabinetConfig& cabinet, const std::string& person,
                         const MayEnter& mayEnter, core::TimeUs nowUs);

// A device's report (its seq newer than the trail's): what to record. A report of a device or
// slot the config does not know records nothing and says why in `refusal`.
struct ReportOutcome {
    std::vector<core::Event> events;
    std::string refusal;
};
ReportOutcome reportEvents(const CustodyConfig& config, const CustodyState& state,
                           const std::string& device, const DeviceReport& report,
                           core::TimeUs nowUs);

// custody.key_overdue for each key out past its due time not yet raised.
std::vector<core::Event> overdueEvents(const CustodyConfig& config, const CustodyState& state,
                                       core::TimeUs nowUs);
// The earliest due time of a key out and not yet raised (0: none).
core::TimeUs nextDue(const CustodyState& state);

// After `person`'s presence changed: custody.key_holder_left for each key they hold when they
// are no longer on site; custody.item_left_inside for each of their items still checked in when
// they are no longer inside the carry-in zone.
std::vector<core::Event> presenceEvents(const CustodyConfig& config, const CustodyState& state,
                                        const ZoneTree& zones, const std::string& person,
                                        core::TimeUs nowUs);

}  // namespace sekimori::custody
