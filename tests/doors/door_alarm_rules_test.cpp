// The doors' alarm rules against the events doors really records (doors/door_events.cpp,
// door_state.cpp): each rule finds its source field in the real payload, the rule book takes
// the whole list, and tamper's "state" values are the ones door_state writes.
#include "doors/door_alarm_rules.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "doors/door_event_types.hpp"
#include "doors/door_events.hpp"
#include "doors/door_state.hpp"
#include "doors/gate_supervision.hpp"
#include "doors/zone_events.hpp"

namespace sekimori::doors {
namespace {

const core::AlarmRule* find(const std::vector<core::AlarmRule>& rules, std::string_view type,
                            core::AlarmAction action, std::string_view whenValue = {}) {
    for (const auto& r : rules) {
        if (r.eventType == type && r.action == action && r.whenValue == whenValue) {
            return &r;
        }
    }
    return nullptr;
}

TEST(DoorAlarmRules, TheRuleBookTakesThemAll) {
    core::AlarmRuleBook book;
    auto added = book.add(doorAlarmRules());
    ASSERT_TRUE(added.ok()) << added.error().message;
    EXPECT_EQ(book.rules().size(), doorAlarmRules().size());
}

TEST(DoorAlarmRules, ThePlansTable) {
    using A = core::AlarmAction;
    const auto rules = doorAlarmRules();
    struct Row {
        core::EventType type;
        A action;
        std::string whenValue;
        std::string alarmType;
        int priority;  // raise rules only
        std::string sourceKind;
    };
    const std::vector<Row> table{
        {kDoorForced, A::raise, "", "door.forced", 1, "door"},
        {kDoorHeldOpen, A::raise, "", "door.held_open", 2, "door"},
        {kDoorClosed, A::clear, "", "door.held_open", 0, "door"},
        {kDoorTamper, A::raise, "active", "door.tamper", 1, "door"},
        {kDoorTamper, A::clear, "cleared", "door.tamper", 0, "door"},
        {kPanelOffline, A::raise, "", "panel.offline", 2, "panel"},
        {kPanelOnline, A::clear, "", "panel.offline", 0, "panel"},
        {kCredentialRowMismatch, A::raise, "", "credential.row_mismatch", 1, "credential_table"},
        {kAccessCardLockedOut, A::raise, "", "access.card_locked_out", 3, "door"},
        {kAccessDuress, A::raise, "", "access.duress", 1, "door"},
        {kAccessCompanionExpired, A::raise, "", "access.companion_expired", 3, "door"},
        {kDoorLockFault, A::raise, "active", "door.lock_fault", 2, "door"},
        {kDoorLockFault, A::clear, "cleared", "door.lock_fault", 0, "door"},
        {kDoorReaderFault, A::raise, "offline", "door.reader_fault", 2, "door"},
        {kDoorReaderFault, A::clear, "online", "door.reader_fault", 0, "door"},
        {kZoneAlone, A::raise, "", "zone.alone", 1, "zone"},
        {kZoneAloneCleared, A::clear, "", "zone.alone", 0, "zone"},
        {kZoneLockdownStarted, A::raise, "", "zone.lockdown_started", 2, "lockdown"},
        {kZoneLockdownLifted, A::clear, "", "zone.lockdown_started", 0, "lockdown"},
        // Circle gates (issue 15).
        {kGateCycleRefused, A::raise, "tailgate", "gate.cycle_refused", 1, "gate"},
        {kGateCycleRefused, A::raise, "two_bodies", "gate.cycle_refused", 1, "gate"},
        {kGateCycleRefused, A::raise, "piggyback", "gate.cycle_refused", 1, "gate"},
        {kGateCycleRefused, A::raise, "underweight", "gate.cycle_refused", 2, "gate"},
        {kGateCycleRefused, A::raise, "returned", "gate.cycle_refused", 2, "gate"},
        {kGateCycleRefused, A::raise, "linger", "gate.cycle_refused", 2, "gate"},
        {kGateCycleRefused, A::raise, "door_stuck", "gate.cycle_refused", 2, "gate"},
        {kGateCycleRefused, A::raise, "controller_lost", "gate.cycle_refused", 2, "gate"},
        {kGateCycleRefused, A::raise, "denied", "gate.cycle_refused", 2, "gate"},
        {kGateObjectLeft, A::raise, "", "gate.object_left", 2, "gate"},
        {kGateDoorStuck, A::raise, "", "gate.door_stuck", 2, "gate"},
        {kGateFireReleased, A::raise, "", "gate.fire_released", 1, "gate"},
        {kGatePowerLost, A::raise, "", "gate.power_lost", 2, "gate"},
        {kGateRearmed, A::clear, "", "gate.fire_released", 0, "gate"},
        {kGateRearmed, A::clear, "armed", "gate.cycle_refused", 0, "gate"},
        {kGatePowerRestored, A::clear, "", "gate.power_lost", 0, "gate"},
        // Offline panels (issue 15): the cache sync and the journal.
        {kPanelCacheBehind, A::raise, "", "panel.cache_behind", 2, "panel"},
        {kPanelCacheSynced, A::clear, "", "panel.cache_behind", 0, "panel"},
        {kPanelJournalNearFull, A::raise, "", "panel.journal_near_full", 2, "panel"},
        {kPanelJournalOverflow, A::raise, "", "panel.journal_overflow", 1, "panel"},
        {kPanelJournalGap, A::raise, "", "panel.journal_gap", 2, "panel"},
    };
    EXPECT_EQ(rules.size(), table.size());
    for (const auto& row : table) {
        const auto* r = find(rules, row.type.name, row.action, row.whenValue);
        ASSERT_NE(r, nullptr) << row.type.name << " " << row.whenValue;
        EXPECT_EQ(r->alarmType, row.alarmType) << row.type.name;
        EXPECT_EQ(r->sourceKind, row.sourceKind) << row.type.name;
        if (row.action == A::raise) {
            EXPECT_EQ(r->priority, row.priority) << row.type.name;
        }
    }
}

// The source field of each rule is a string in the payload doors records.
TEST(DoorAlarmRules, EachSourceFieldIsInTheRealPayload) {
    const auto rules = doorAlarmRules();
    const auto payloadHas = [](const core::Event& e, const std::string& field) {
        const auto body = nlohmann::json::parse(e.payload);
        return body.contains(field) && body[field].is_string() &&
               !body[field].get<std::string>().empty();
    };
    const core::Event forced = doorEvent(kDoorForced, "server-room", {}, "", 1);
    const core::Event offline = panelStatusEvent("p-srv", false, "1.0", 1);
    const core::Event online = panelStatusEvent("p-srv", true, "1.0", 1);
    for (const auto& r : rules) {
        if (r.sourceKind == "door") {
            EXPECT_TRUE(payloadHas(doorEvent(kDoorForced, "x", {}, "", 1), r.sourceField))
                << r.eventType;
        }
    }
    EXPECT_TRUE(
        payloadHas(forced, find(rules, "door.forced", core::AlarmAction::raise)->sourceField));
    EXPECT_TRUE(
        payloadHas(offline, find(rules, "panel.offline", core::AlarmAction::raise)->sourceField));
    EXPECT_TRUE(
        payloadHas(online, find(rules, "panel.online", core::AlarmAction::clear)->sourceField));
    EXPECT_EQ(find(rules, "credential.row_mismatch", core::AlarmAction::raise)->sourceField,
              "table");
    // Lock and reader faults, as the door state records them from the panel's reports.
    DoorSpec door;
    door.id = "server-room";
    PanelReport lockFault{protocol::DoorEventKind::lockFault};
    PanelReport readerOffline{protocol::DoorEventKind::readerOffline};
    readerOffline.side = protocol::DoorSide::exit;
    const auto faultOf = [&](const PanelReport& report) {
        auto outputs = step(door, DoorState{}, report, 1).outputs;
        return std::get<RecordDoorEvent>(outputs.at(0)).event;
    };
    EXPECT_TRUE(payloadHas(
        faultOf(lockFault),
        find(rules, "door.lock_fault", core::AlarmAction::raise, "active")->sourceField));
    EXPECT_TRUE(payloadHas(
        faultOf(readerOffline),
        find(rules, "door.reader_fault", core::AlarmAction::raise, "offline")->sourceField));
    // The access sessions' alarm-raising events, as doors/door_events builds them.
    const AccessContext session{"server-room", protocol::DoorSide::entry, "alice", "Alice Sato",
                                "s1",          "0123456789ABCDEF"};
    EXPECT_TRUE(payloadHas(duressEvent(session, 1),
                           find(rules, "access.duress", core::AlarmAction::raise)->sourceField));
    EXPECT_TRUE(
        payloadHas(companionExpiredEvent(session, "two_person", "awaiting_second_person", 15, 1),
                   find(rules, "access.companion_expired", core::AlarmAction::raise)->sourceField));
    // Zone control's events (doors/zone_events.cpp), as zone control records them.
    const core::Event alone = zoneAloneEvent(AloneRaised{"handling-area", "alice", 1}, "Alice", 2);
    const core::Event aloneCleared = zoneAloneClearedEvent(AloneCleared{"handling-area", 2}, 3);
    EXPECT_TRUE(
        payloadHas(alone, find(rules, "zone.alone", core::AlarmAction::raise)->sourceField));
    EXPECT_TRUE(payloadHas(
        aloneCleared, find(rules, "zone.alone_cleared", core::AlarmAction::clear)->sourceField));
    const ZoneActor desk{"operator:desk-1", {{"actor", "desk-1"}, {"role", "operator"}}};
    for (const auto& lockdown :
         {Lockdown{LockdownScope::site, "site", 1, "fire", "desk-1"},
          Lockdown{LockdownScope::zone, "server-room", 1, "drill", "desk-1"}}) {
        EXPECT_TRUE(payloadHas(
            lockdownStartedEvent(lockdown, desk, 1),
            find(rules, "zone.lockdown_started", core::AlarmAction::raise)->sourceField));
        EXPECT_TRUE(
            payloadHas(lockdownLiftedEvent(lockdown.scope, lockdown.target, "over", desk, 2),
                       find(rules, "zone.lockdown_lifted", core::AlarmAction::clear)->sourceField));
    }
}

// Every gate rule against the events gate supervision records: the source field "gate" is in the
// payload, a refused cycle's "refusal" is one the rules name, and a rearm says "state": "armed".
TEST(DoorAlarmRules, GateRulesMatchTheEventsTheSupervisionRecords) {
    const auto rules = doorAlarmRules();
    DoorSpec gate;
    gate.id = "gate-srv";
    gate.panel = "p-gate-srv";
    gate.circleGate = true;
    gate.camera = "cam-gate";
    const auto recorded = [&](GateState state, protocol::PanelEvent event) {
        event.door = gate.id;
        auto outputs = step(gate, std::move(state), GateReport{event, {}}, 1).outputs;
        return std::get<RecordGateEvent>(outputs.at(0)).event;
    };
    using Kind = protocol::DoorEventKind;
    const auto matching = [&](const core::Event& e) {
        const auto body = nlohmann::json::parse(e.payload);
        std::vector<const core::AlarmRule*> out;
        for (const auto& r : rules) {
            if (r.eventType != e.type) {
                continue;
            }
            if (!r.whenField.empty() &&
                (!body.contains(r.whenField) || body[r.whenField] != r.whenValue)) {
                continue;
            }
            EXPECT_EQ(body.value(r.sourceField, std::string()), "gate-srv") << e.type;
            out.push_back(&r);
        }
        return out;
    };
    for (auto refusal : {protocol::GateRefusal::tailgate, protocol::GateRefusal::twoBodies,
                         protocol::GateRefusal::piggyback, protocol::GateRefusal::underweight,
                         protocol::GateRefusal::returned, protocol::GateRefusal::linger,
                         protocol::GateRefusal::doorStuck, protocol::GateRefusal::controllerLost,
                         protocol::GateRefusal::denied}) {
        protocol::PanelEvent e;
        e.kind = Kind::cycleRefused;
        e.refusal = refusal;
        const auto event = recorded(GateState{}, e);
        const auto found = matching(event);
        ASSERT_EQ(found.size(), 1U) << protocol::toString(refusal);
        EXPECT_EQ(found[0]->action, core::AlarmAction::raise);
        EXPECT_EQ(nlohmann::json::parse(event.payload)["camera"], "cam-gate");
    }
    for (auto kind : {Kind::gateObjectLeft, Kind::gateDoorStuck, Kind::gateFireReleased,
                      Kind::gatePowerLost, Kind::gatePowerRestored}) {
        protocol::PanelEvent e;
        e.kind = kind;
        EXPECT_EQ(matching(recorded(GateState{}, e)).size(), 1U) << protocol::toString(kind);
    }
    // A rearm clears both the fire release and the refused cycle.
    protocol::PanelEvent rearmed;
    rearmed.kind = Kind::gateRearmed;
    const auto clears = matching(recorded(GateState{}, rearmed));
    ASSERT_EQ(clears.size(), 2U);
    EXPECT_EQ(clears[0]->alarmType, "gate.fire_released");
    EXPECT_EQ(clears[1]->alarmType, "gate.cycle_refused");
    // The fire input clearing raises nothing: the gate waits for the guard.
    protocol::PanelEvent fireCleared;
    fireCleared.kind = Kind::gateFireCleared;
    EXPECT_TRUE(matching(recorded(GateState{}, fireCleared)).empty());
}

// door_state writes tamper's "state" as "active" / "cleared": the when values must match.
TEST(DoorAlarmRules, TamperStatesAreTheOnesTheDoorRecords) {
    DoorSpec spec;
    spec.id = "server-room";
    spec.heldOpenMs = 30'000;
    spec.unlockMs = 5'000;
    std::vector<std::string> states;
    DoorState state;
    for (const auto kind :
         {protocol::DoorEventKind::tamper, protocol::DoorEventKind::tamperCleared}) {
        auto result = step(spec, state, DoorInput{PanelReport{kind, "", {}}}, 1);
        state = result.state;
        for (const auto& out : result.outputs) {
            if (const auto* rec = std::get_if<RecordDoorEvent>(&out)) {
                ASSERT_EQ(rec->event.type, "door.tamper");
                states.push_back(nlohmann::json::parse(rec->event.payload)["state"]);
            }
        }
    }
    EXPECT_EQ(states, (std::vector<std::string>{"active", "cleared"}));
    const auto rules = doorAlarmRules();
    EXPECT_NE(find(rules, "door.tamper", core::AlarmAction::raise, "active"), nullptr);
    EXPECT_NE(find(rules, "door.tamper", core::AlarmAction::clear, "cleared"), nullptr);
}

}  // namespace
}  // namespace sekimori::doors
