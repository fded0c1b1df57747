#include "core/alarm_rule.hpp"

namespace sekimori::core {

Result<void> AlarmRuleBook::add(AlarmRule rule) {
    const std::string what = "alarm rule on '" + rule.eventType + "'";
    if (rule.eventType.empty() || rule.alarmType.empty() || rule.sourceKind.empty() ||
        rule.sourceField.empty()) {
        return makeError("alarm.bad_rule",
                         what + ": event type, alarm type and source kind/field are required");
    }
    if (rule.action == AlarmAction::raise && (rule.priority < 1 || rule.priority > 5)) {
        return makeError("alarm.bad_rule", what + ": priority must be 1..5");
    }
    if (rule.whenField.empty() != rule.whenValue.empty()) {
        return makeError("alarm.bad_rule", what + ": when_field and when_value go together");
    }
    for (const auto& r : rules_) {
        if (r.eventType == rule.eventType && r.whenField == rule.whenField &&
            r.whenValue == rule.whenValue) {
            return makeError("alarm.bad_rule", what + " is declared twice");
        }
    }
    rules_.push_back(std::move(rule));
    return {};
}

Result<void> AlarmRuleBook::add(const std::vector<AlarmRule>& rules) {
    for (const auto& r : rules) {
        if (auto added = add(r); !added) {
            return added;
        }
    }
    return {};
}

std::vector<const AlarmRule*> AlarmRuleBook::forType(std::string_view eventType) const {
    std::vector<const AlarmRule*> out;
    for (const auto& r : rules_) {
        if (r.eventType == eventType) {
            out.push_back(&r);
        }
    }
    return out;
}

}  // namespace sekimori::core
