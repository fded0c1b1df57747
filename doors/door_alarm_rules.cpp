#include "doors/door_alarm_rules.hpp"

#include <utility>

#include "doors/door_event_types.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {
namespace {

core::AlarmRule raise(core::EventType type, int priority, std::string kind, std::string field) {
    core::AlarmRule rule;
    rule.eventType = std::string(type.name);
    rule.action = core::AlarmAction::raise;
    rule.alarmType = std::string(type.name);
    rule.priority = priority;
    rule.sourceKind = std::move(kind);
    rule.sourceField = std::move(field);
    return rule;
}

core::AlarmRule clear(core::EventType type, core::EventType clears, std::string kind,
                      std::string field) {
    core::AlarmRule rule = raise(type, 3, std::move(kind), std::move(field));
    rule.action = core::AlarmAction::clear;
    rule.alarmType = std::string(clears.name);
    return rule;
}

core::AlarmRule when(core::AlarmRule rule, std::string field, std::string value) {
    rule.whenField = std::move(field);
    rule.whenValue = std::move(value);
    return rule;
}

}  // namespace

// The payload fields are the ones doors records (doors/door_events.cpp doorEvent and
// panelStatusEvent, doors/door_state.cpp for tamper's "state", doors/access_sessions.cpp for the
// lockout, doors/doors_service.cpp rowMismatchEvent).
std::vector<core::AlarmRule> doorAlarmRules() {
    std::vector<core::AlarmRule> rules{
        // Opened without a grant: someone may be inside who should not be.
        raise(kDoorForced, 1, "door", "door"),
        // Left open past held_open_ms; over when the door reports closed.
        raise(kDoorHeldOpen, 2, "door", "door"),
        clear(kDoorClosed, kDoorHeldOpen, "door", "door"),
        // The panel's tamper switch: "state" is "active" when opened, "cleared" when restored.
        when(raise(kDoorTamper, 1, "door", "door"), "state", "active"),
        when(clear(kDoorTamper, kDoorTamper, "door", "door"), "state", "cleared"),
        // The panel's retained status says offline: its doors decide from their local cache.
        raise(kPanelOffline, 2, "panel", "panel"),
        clear(kPanelOnline, kPanelOffline, "panel", "panel"),
        // A panel's offline cache behind the current version past [offline] behind_alarm_s
        // (doors/offline_sync); over when it acknowledges the current version.
        raise(kPanelCacheBehind, 2, "panel", "panel"),
        clear(kPanelCacheSynced, kPanelCacheBehind, "panel", "panel"),
        // A panel's journal (issue 15): near full (its upload is not getting through), reports
        // lost while it was full, entries missing from its upload. Operators acknowledge them.
        raise(kPanelJournalNearFull, 2, "panel", "panel"),
        raise(kPanelJournalOverflow, 1, "panel", "panel"),
        raise(kPanelJournalGap, 2, "panel", "panel"),
        // A credential row that does not match the trail: left out of the snapshot, on purpose
        // someone changed the database behind the daemon. One alarm per table, re-triggered
        // per row.
        raise(kCredentialRowMismatch, 1, "credential_table", "table"),
        // Too many wrong PINs or fingers for one card at a door.
        raise(kAccessCardLockedOut, 3, "door", "door"),
        // A duress PIN: granted at the door, silent for the person, priority 1 at the desk.
        raise(kAccessDuress, 1, "door", "door"),
        // A two-person (or escort) wait nobody completed: a tailgate attempt or a lone visitor.
        raise(kAccessCompanionExpired, 3, "door", "door"),
        // The lock did not do what it was told; a reader stopped answering its panel.
        when(raise(kDoorLockFault, 2, "door", "door"), "state", "active"),
        when(clear(kDoorLockFault, kDoorLockFault, "door", "door"), "state", "cleared"),
        when(raise(kDoorReaderFault, 2, "door", "door"), "state", "offline"),
        when(clear(kDoorReaderFault, kDoorReaderFault, "door", "door"), "state", "online"),
        // Never alone: one person left in a two-person zone.
        raise(kZoneAlone, 1, "zone", "zone"),
        clear(kZoneAloneCleared, kZoneAlone, "zone", "zone"),
        // A lockdown stays on the desk's list until it is lifted ("target": a zone id or "site").
        raise(kZoneLockdownStarted, 2, "lockdown", "target"),
        clear(kZoneLockdownLifted, kZoneLockdownStarted, "lockdown", "target"),
    };
    // Circle gates (doors/gate_supervision.cpp): a refused cycle is priority 1 when someone may
    // have come through with the person (tailgate, two bodies, piggyback), 2 otherwise; one alarm
    // per gate, re-triggered per refusal; the guard's rearm clears it and a fire release.
    for (const auto& [refusal, priority] : std::vector<std::pair<protocol::GateRefusal, int>>{
             {protocol::GateRefusal::tailgate, 1},
             {protocol::GateRefusal::twoBodies, 1},
             {protocol::GateRefusal::piggyback, 1},
             {protocol::GateRefusal::underweight, 2},
             {protocol::GateRefusal::returned, 2},
             {protocol::GateRefusal::linger, 2},
             {protocol::GateRefusal::doorStuck, 2},
             {protocol::GateRefusal::controllerLost, 2},
             {protocol::GateRefusal::denied, 2}}) {
        rules.push_back(when(raise(kGateCycleRefused, priority, "gate", "gate"), "refusal",
                             std::string(protocol::toString(refusal))));
    }
    // Something on the plate with nobody in the booth; a leaf that did not move; the fire input
    // released both leaves (the desk hears it even though it is meant); mains lost.
    rules.push_back(raise(kGateObjectLeft, 2, "gate", "gate"));
    rules.push_back(raise(kGateDoorStuck, 2, "gate", "gate"));
    rules.push_back(raise(kGateFireReleased, 1, "gate", "gate"));
    rules.push_back(raise(kGatePowerLost, 2, "gate", "gate"));
    // gate.rearmed clears two alarm types; the book takes one rule per (event, when) pair, so the
    // second follows its "state": "armed".
    rules.push_back(clear(kGateRearmed, kGateFireReleased, "gate", "gate"));
    rules.push_back(when(clear(kGateRearmed, kGateCycleRefused, "gate", "gate"), "state", "armed"));
    rules.push_back(clear(kGatePowerRestored, kGatePowerLost, "gate", "gate"));
    return rules;
}

}  // namespace sekimori::doors
