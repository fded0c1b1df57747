#include "doors/door_state.hpp"

#include <algorithm>

#include "doors/door_event_types.hpp"
#include "doors/door_events.hpp"

namespace sekimori::doors {
namespace {

constexpr core::TimeUs kUsPerMs = 1000;

core::TimeUs heldOpenDueUs(const DoorSpec& spec, const DoorState& state) {
    return state.openedAtUs + core::TimeUs{spec.heldOpenMs} * kUsPerMs;
}

core::TimeUs heldOpenWarningDueUs(const DoorSpec& spec, const DoorState& state) {
    return heldOpenDueUs(spec, state) - core::TimeUs{spec.heldOpenWarnMs} * kUsPerMs;
}

// A door held unlocked on purpose (timed unlock, first-person-in) raises no held-open alarm.
bool watchHeldOpen(const DoorState& state) {
    return state.open.value_or(false) && state.hold.empty();
}

bool inGroups(const std::vector<std::string>& wanted, const std::vector<std::string>& groups) {
    if (wanted.empty()) {
        return true;  // any granted person
    }
    for (const auto& g : groups) {
        if (std::find(wanted.begin(), wanted.end(), g) != wanted.end()) {
            return true;
        }
    }
    return false;
}

struct Stepper {
    const DoorSpec& spec;
    DoorState& state;
    std::vector<DoorOutput>& outputs;
    core::TimeUs now;

    void record(core::EventType type, nlohmann::json details, const std::string& subject = {}) {
        state.lastEventType = std::string(type.name);
        state.lastEventUs = now;
        outputs.emplace_back(
            RecordDoorEvent{doorEvent(type, spec.id, std::move(details), subject, now)});
    }

    void expire() {
        if (!state.hold.empty() && now >= state.holdUntilUs) {
            if (state.hold == "first_person_in" && spec.firstPersonIn) {
                record(kDoorScheduleLocked, {{"schedule", spec.firstPersonIn->scheduleId}});
                outputs.emplace_back(CommandPanel{protocol::CommandType::lock, 0});
            }
            state.hold.clear();
            state.holdUntilUs = 0;
        }
        if (watchHeldOpen(state) && spec.heldOpenWarnMs > 0 && !state.heldOpenWarned &&
            !state.heldOpenRaised && now >= heldOpenWarningDueUs(spec, state)) {
            state.heldOpenWarned = true;
            record(kDoorHeldOpenWarning,
                   {{"held_open_ms", spec.heldOpenMs}, {"warn_ms", spec.heldOpenWarnMs}});
        }
        if (watchHeldOpen(state) && !state.heldOpenRaised && now >= heldOpenDueUs(spec, state)) {
            state.heldOpenRaised = true;
            record(kDoorHeldOpen,
                   {{"detected_by", "controller"}, {"held_open_ms", spec.heldOpenMs}});
        }
        if (state.pendingPassage && now > state.pendingUntilUs) {
            state.pendingPassage.reset();  // granted, but nobody went through in time
            state.pendingSession.clear();
        }
    }

    void on(const GrantDelivered& grant) {
        state.unlockedUntilUs = now + core::TimeUs{spec.unlockMs} * kUsPerMs;
        state.lastEventType = std::string(kAccessGranted.name);
        state.lastEventUs = now;
        firstPersonIn(grant.passage);
        if (state.open.has_value()) {
            // The door reports its position: the person has passed only once it opens.
            state.pendingPassage = grant.passage;
            state.pendingSession.clear();
            state.pendingUntilUs = state.unlockedUntilUs;
            return;
        }
        Passage passage = grant.passage;
        passage.timeUs = now;
        outputs.emplace_back(MovePresence{std::move(passage)});
    }

    void on(const OfflineGranted& grant) {
        state.lastEventType = std::string(kAccessOfflineGranted.name);
        state.lastEventUs = now;
        if (state.open.has_value()) {
            // The opening that follows in the panel's journal carries the session.
            state.pendingPassage = grant.passage;
            state.pendingSession = grant.session;
            state.pendingUntilUs = now + core::TimeUs{spec.unlockMs} * kUsPerMs;
            return;
        }
        Passage passage = grant.passage;
        passage.timeUs = now;
        outputs.emplace_back(MovePresence{std::move(passage)});
    }

    // The first authorised entry inside the door's first-person-in schedule holds it unlocked
    // until the window ends (expire() locks it again then).
    void firstPersonIn(const Passage& passage) {
        const auto& first = spec.firstPersonIn;
        if (!first || first->schedule == nullptr || !state.hold.empty() ||
            passage.toZone != spec.toZone || !inGroups(first->groups, passage.groups) ||
            !policy::isWithin(*first->schedule, now)) {
            return;
        }
        const core::TimeUs until = windowEndUs(*first->schedule, now);
        state.hold = "first_person_in";
        state.holdUntilUs = until;
        record(kDoorScheduleUnlocked,
               {{"person", passage.person},
                {"person_name", passage.personName},
                {"schedule", first->scheduleId},
                {"until_us", until}},
               passage.person);
        const core::TimeUs ms =
            std::min<core::TimeUs>((until - now) / kUsPerMs, protocol::kMaxHoldUnlockedMs);
        outputs.emplace_back(CommandPanel{protocol::CommandType::holdUnlocked,
                                          static_cast<int>(std::max<core::TimeUs>(ms, 1))});
    }

    void on(const ManualCommand& command) {
        state.lastCommand = command.command;
        state.lastCommandUs = now;
        if (command.command == "unlock") {
            state.unlockedUntilUs = now + core::TimeUs{spec.unlockMs} * kUsPerMs;
        } else if (command.command == "timed_unlock") {
            state.hold = "timed_unlock";
            state.holdUntilUs = command.untilUs;
        } else if (command.command == "lock") {
            state.unlockedUntilUs = 0;
            state.hold.clear();
            state.holdUntilUs = 0;
        }
    }

    void on(const AccessNoted& noted) {
        state.lastEventType = std::string(noted.type.name);
        state.lastEventUs = now;
    }

    void on(const PanelReport& report) {
        nlohmann::json details = nlohmann::json::object();
        if (!report.session.empty()) {
            details["session"] = report.session;
        }
        if (report.evidence.is_object()) {
            details.update(report.evidence);
        }
        using Kind = protocol::DoorEventKind;
        switch (report.kind) {
            default:  // issue 15: offline decisions, journal and gate reports go elsewhere
                return;
            case Kind::opened:
            case Kind::forced: {
                state.open = true;
                state.openedAtUs = now;
                state.heldOpenRaised = false;
                state.heldOpenWarned = false;
                state.forcedOpen = report.kind == Kind::forced;
                std::optional<Passage> passage;
                // An offline grant's passage is its session's: another session's opening (or
                // none named) does not take it.
                const bool sessionMatches =
                    state.pendingSession.empty() || state.pendingSession == report.session;
                if (report.kind == Kind::opened && state.pendingPassage &&
                    now <= state.pendingUntilUs && sessionMatches) {
                    passage = std::move(state.pendingPassage);
                }
                if (sessionMatches) {  // an offline grant waits for its own session's opening
                    state.pendingPassage.reset();
                    state.pendingSession.clear();
                }
                record(report.kind == Kind::opened ? kDoorOpened : kDoorForced, details,
                       passage ? passage->person : std::string());
                if (passage) {
                    passage->timeUs = now;
                    outputs.emplace_back(MovePresence{std::move(*passage)});
                }
                return;
            }
            case Kind::closed:
                state.open = false;
                state.forcedOpen = false;
                record(kDoorClosed, details);
                return;
            case Kind::heldOpen:
                if (state.heldOpenRaised || !state.hold.empty()) {
                    return;  // already raised by the controller's deadline, or held on purpose
                }
                state.heldOpenRaised = true;
                details["detected_by"] = "panel";
                record(kDoorHeldOpen, details);
                return;
            case Kind::exitRequested:
                record(kDoorExitRequested, details);
                return;
            case Kind::tamper:
            case Kind::tamperCleared:
                state.tamper = report.kind == Kind::tamper;
                details["state"] = state.tamper ? "active" : "cleared";
                record(kDoorTamper, details);
                return;
            case Kind::lockFault:
            case Kind::lockFaultCleared:
                if (state.lockFault == (report.kind == Kind::lockFault)) {
                    return;  // the panel reports each change once; a repeat changes nothing
                }
                state.lockFault = report.kind == Kind::lockFault;
                details["state"] = state.lockFault ? "active" : "cleared";
                record(kDoorLockFault, details);
                return;
            case Kind::readerOffline:
            case Kind::readerOnline: {
                const std::string side(protocol::toString(report.side));
                auto& offline = state.readersOffline;
                const auto at = std::find(offline.begin(), offline.end(), side);
                const bool goesOffline = report.kind == Kind::readerOffline;
                if (goesOffline == (at != offline.end())) {
                    return;
                }
                if (goesOffline) {
                    offline.push_back(side);
                } else {
                    offline.erase(at);
                }
                details["side"] = side;
                details["state"] = goesOffline ? "offline" : "online";
                record(kDoorReaderFault, details);
                return;
            }
        }
    }

    void on(const DoorTick&) {}
};

}  // namespace

DoorStepResult step(const DoorSpec& spec, DoorState state, const DoorInput& input,
                    core::TimeUs nowUs) {
    DoorStepResult result{std::move(state), {}};
    Stepper stepper{spec, result.state, result.outputs, nowUs};
    stepper.expire();
    std::visit([&](const auto& in) { stepper.on(in); }, input);
    return result;
}

std::optional<core::TimeUs> nextDeadline(const DoorSpec& spec, const DoorState& state) {
    std::optional<core::TimeUs> due;
    const auto consider = [&](core::TimeUs t) {
        if (!due || t < *due) {
            due = t;
        }
    };
    if (watchHeldOpen(state) && !state.heldOpenRaised) {
        consider(heldOpenDueUs(spec, state));
        if (spec.heldOpenWarnMs > 0 && !state.heldOpenWarned) {
            consider(heldOpenWarningDueUs(spec, state));
        }
    }
    if (!state.hold.empty()) {
        consider(state.holdUntilUs);
    }
    if (state.pendingPassage) {
        consider(state.pendingUntilUs + 1);
    }
    return due;
}

bool isUnlocked(const DoorState& state, core::TimeUs nowUs) {
    return nowUs < state.unlockedUntilUs || (!state.hold.empty() && nowUs < state.holdUntilUs);
}

core::TimeUs windowEndUs(const policy::Schedule& schedule, core::TimeUs nowUs) {
    return policy::isWithin(schedule, nowUs) ? policy::nextChangeUs(schedule, nowUs) : nowUs;
}

}  // namespace sekimori::doors
