#include "app/custody_wiring.hpp"

#include "custody/custody_event_types.hpp"
#include "custody/custody_service.hpp"

namespace sekimori::app {

namespace {

// One alarm: raised by `raise` on <sourceKind>:<payload[sourceField]>, cleared by each of `clears`.
std::vector<core::AlarmRule> alarm(core::EventType raise, int priority, std::string sourceKind,
                                   std::string sourceField,
                                   std::initializer_list<core::EventType> clears) {
    core::AlarmRule raised;
    raised.eventType = std::string(raise.name);
    raised.alarmType = raised.eventType;
    raised.priority = priority;
    raised.sourceKind = std::move(sourceKind);
    raised.sourceField = std::move(sourceField);
    std::vector<core::AlarmRule> rules{raised};
    for (const auto& clear : clears) {
        core::AlarmRule cleared = raised;
        cleared.eventType = std::string(clear.name);
        cleared.action = core::AlarmAction::clear;
        rules.push_back(std::move(cleared));
    }
    return rules;
}

}  // namespace

core::Result<std::unique_ptr<core::Service>> makeCustodyService(
    const DaemonParts& parts, const custody::CustodyConfig& config) {
    // Always runs: on a site without cabinets, detectors or a carry-in zone its page says so.
    using namespace custody;
    // A key's three alarms (forced, overdue, carried off) are one alarm of the key, raised by
    // whichever comes first and cleared by its return (a rule book takes each event once).
    std::vector<core::AlarmRule> rules;
    for (auto&& part :
         {alarm(kCustodyKeyForced, 1, "key", "key", {}),
          alarm(kCustodyKeyOverdue, 2, "key", "key", {}),
          alarm(kCustodyKeyHolderLeft, 2, "key", "key", {}),
          alarm(kCustodyItemLeftInside, 2, "item", "item", {kCustodyItemCheckedOut}),
          alarm(kCustodyDetection, 1, "detector", "detector", {kCustodyDetectionCleared}),
          alarm(kCustodyDeviceTamper, 1, "device", "device", {}),
          alarm(kCustodyDeviceOffline, 2, "device", "device", {kCustodyDeviceOnline})}) {
        rules.insert(rules.end(), part.begin(), part.end());
    }
    // Back in its slot with its own tag clears the key's alarm; another tag (a copy, a wrong
    // key) keeps it open and raises it if none was.
    core::AlarmRule back = rules.front();
    back.eventType = std::string(kCustodyKeyReturned.name);
    back.whenField = "tag_check";
    back.action = core::AlarmAction::clear;
    back.whenValue = "ok";
    rules.push_back(back);
    back.action = core::AlarmAction::raise;
    back.whenValue = "wrong_tag";
    rules.push_back(back);
    for (auto& rule : rules) {
        if (rule.sourceKind == "key") {
            rule.alarmType = "custody.key";  // one alarm per key, whichever event raised it
        }
    }
    if (auto r = parts.alarmRules.add(rules); !r) {
        return r.error();
    }
    ZoneTree zones;
    for (const auto& z : parts.site.zones) {
        zones.parents[z.id] = z.parent;
    }
    auto service = CustodyService::create(CustodyServiceParts{
        parts.executor, parts.router, parts.recorder, parts.bus, parts.clock, parts.approvals,
        parts.site.site.id, config, std::move(zones), parts.paths.database.string(),
        parts.site.daemon.baseDir / "custody" / "web"});
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
