#pragma once
// How a domain's recorded events become alarms. A domain never includes the alarms service: its
// wiring declares rules here ("door.forced raises a priority-1 alarm on door:<payload.door>;
// door.closed clears door.held_open") and records its events as usual; the alarms service
// (alarms/) follows the bus and works the alarms: raise, re-trigger, acknowledge, resolve,
// shelve, escalate (docs/alarms.md).
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sekimori::core {

enum class AlarmAction { raise, clear };

struct AlarmRule {
    std::string eventType;  // the exact recorded event type this rule follows ("door.forced")
    AlarmAction action = AlarmAction::raise;
    // The alarm's type ("door.forced"); a clear rule names the type it clears
    // ("door.held_open" on door.closed). Catalogue key: alarm.type.<alarmType>.
    std::string alarmType;
    int priority = 3;  // 1 (highest) .. 5; raise rules only
    // The alarm's source is "<sourceKind>:<payload[sourceField]>" ("door:server-room"); an event
    // without that string field matches no alarm and is reported once as an error.
    std::string sourceKind;
    std::string sourceField;
    // Optional: the rule applies only when payload[whenField] (a string) equals whenValue
    // (door.tamper with "state": "on" raises, "off" clears).
    std::string whenField;
    std::string whenValue;
};

// Filled by the domains' wiring before the daemon starts; read-only afterwards.
class AlarmRuleBook {
  public:
    // An error when a field is missing, the priority is outside 1..5, or the same
    // (eventType, when) pair is declared twice.
    Result<void> add(AlarmRule rule);
    Result<void> add(const std::vector<AlarmRule>& rules);
    const std::vector<AlarmRule>& rules() const { return rules_; }
    // The rules for one event type, in declaration order.
    std::vector<const AlarmRule*> forType(std::string_view eventType) const;

  private:
    std::vector<AlarmRule> rules_;
};

}  // namespace sekimori::core
