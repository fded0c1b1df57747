#include "doors/gate_supervision.hpp"

#include <algorithm>

#include "doors/door_event_types.hpp"

namespace sekimori::doors {
namespace {

constexpr core::TimeUs kUsPerMs = 1000;
using Kind = protocol::DoorEventKind;

// How long a grant waits for its cycle: the gate's own cycle time-out and one step more (the
// inside step of a card-only gate comes after the grant).
core::TimeUs pendingForUs(const DoorSpec& spec) {
    return (core::TimeUs{spec.cycleTimeoutMs} + core::TimeUs{spec.stepTimeoutMs}) * kUsPerMs;
}

// A cycle_started never followed by its end (the panel went away mid-cycle) stops counting as
// cycling after twice the gate's cycle time-out: the gate refused it by then (linger).
core::TimeUs cyclingForUs(const DoorSpec& spec) {
    return 2 * core::TimeUs{spec.cycleTimeoutMs} * kUsPerMs;
}

const char* leafState(bool failSafe) {
    return failSafe ? "released" : "locked";
}

struct Stepper {
    const DoorSpec& spec;
    GateState& state;
    std::vector<GateOutput>& outputs;
    core::TimeUs now;

    // Every gate event: gate (and door, so the door page's ?door= and the cameras' covers find
    // it), panel, camera when configured, then the report's details and evidence.
    void record(core::EventType type, nlohmann::json details, const std::string& subject = {}) {
        nlohmann::json payload{{"gate", spec.id}, {"door", spec.id}, {"panel", spec.panel}};
        if (!spec.camera.empty()) {
            payload["camera"] = spec.camera;
        }
        payload.update(details);
        state.lastEventType = std::string(type.name);
        state.lastEventUs = now;
        outputs.emplace_back(RecordGateEvent{
            core::Event{now, std::string(type.name), "gate:" + spec.id, subject, payload.dump()}});
    }

    void expire() {
        auto& pending = state.pending;
        pending.erase(std::remove_if(pending.begin(), pending.end(),
                                     [&](const auto& p) { return now > p.untilUs; }),
                      pending.end());
        if (state.cycling && now > state.cycleStartedUs + cyclingForUs(spec)) {
            state.cycling = false;
            state.cycleSession.clear();
        }
    }

    void on(const GateGranted& grant) {
        auto& pending = state.pending;
        pending.erase(std::remove_if(pending.begin(), pending.end(),
                                     [&](const auto& p) { return p.session == grant.session; }),
                      pending.end());
        pending.push_back({grant.session, grant.passage, now + pendingForUs(spec)});
        state.lastEventType = std::string(kAccessGranted.name);
        state.lastEventUs = now;
    }

    void on(const GateRearmSent& sent) {
        state.rearmActor = sent.actor;
        state.rearmSentUs = now;
    }

    void on(const GateTick&) {}

    // The grant this report's session belongs to (taken out of the pending list); with no session
    // named, the only pending grant (a gate runs one cycle at a time).
    std::optional<GateState::PendingPassage> takePending(const std::string& session) {
        auto& pending = state.pending;
        auto it = std::find_if(pending.begin(), pending.end(),
                               [&](const auto& p) { return p.session == session; });
        if (it == pending.end() && session.empty() && pending.size() == 1) {
            it = pending.begin();
        }
        if (it == pending.end()) {
            return std::nullopt;
        }
        auto taken = std::move(*it);
        pending.erase(it);
        return taken;
    }

    const GateState::PendingPassage* findPending(const std::string& session) const {
        for (const auto& p : state.pending) {
            if (p.session == session) {
                return &p;
            }
        }
        return nullptr;
    }

    static void name(nlohmann::json& details, const Passage& passage) {
        details["person"] = passage.person;
        details["person_name"] = passage.personName;
    }

    void on(const GateReport& report) {
        const protocol::PanelEvent& e = report.event;
        if (!isGateReport(e.kind)) {
            return;  // door kinds of a gate's panel are door_state's or the intake's
        }
        nlohmann::json details = nlohmann::json::object();
        if (!e.session.empty()) {
            details["session"] = e.session;
        }
        if (e.side) {
            details["side"] = std::string(protocol::toString(*e.side));
        }
        if (e.presence) {
            details["presence"] = *e.presence;
            state.presence = e.presence;
        }
        if (e.weightG) {
            details["weight_g"] = *e.weightG;
            state.weightG = e.weightG;
        }
        if (!e.leaf.empty()) {
            details["leaf"] = e.leaf;
        }
        if (report.evidence.is_object()) {
            details.update(report.evidence);
        }
        switch (e.kind) {
            case Kind::cycleStarted: {
                state.cycling = true;
                state.cycleSession = e.session;
                state.cycleStartedUs = now;
                state.refused = false;
                state.objectLeft = false;
                std::string subject;
                if (const auto* p = findPending(e.session)) {
                    name(details, p->passage);
                    subject = p->passage.person;
                }
                record(kGateCycleStarted, std::move(details), subject);
                return;
            }
            case Kind::cycleCompleted: {
                state.cycling = false;
                state.cycleSession.clear();
                state.stuck.clear();
                ++state.cyclesCompleted;
                auto grant = takePending(e.session);
                std::string subject;
                if (grant) {
                    name(details, grant->passage);
                    subject = grant->passage.person;
                }
                record(kGateCycleCompleted, std::move(details), subject);
                if (grant) {
                    Passage passage = std::move(grant->passage);
                    passage.timeUs = now;
                    outputs.emplace_back(MovePresence{std::move(passage)});
                }
                return;
            }
            case Kind::cycleRefused: {
                state.cycling = false;
                state.cycleSession.clear();
                state.refused = true;
                ++state.cyclesRefused;
                GateRefusalSeen seen;
                seen.refusal = e.refusal ? std::string(protocol::toString(*e.refusal)) : "";
                seen.session = e.session;
                seen.side = e.side ? std::string(protocol::toString(*e.side)) : "";
                seen.presence = e.presence;
                seen.weightG = e.weightG;
                seen.leaf = e.leaf;
                seen.timeUs = now;
                details["refusal"] = seen.refusal;
                // The refused person goes back where they came from: presence does not move.
                auto grant = takePending(e.session);
                std::string subject;
                if (grant) {
                    name(details, grant->passage);
                    seen.person = grant->passage.person;
                    seen.personName = grant->passage.personName;
                    subject = grant->passage.person;
                }
                if (e.refusal == protocol::GateRefusal::doorStuck && !e.leaf.empty() &&
                    std::find(state.stuck.begin(), state.stuck.end(), e.leaf) ==
                        state.stuck.end()) {
                    state.stuck.push_back(e.leaf);
                }
                state.lastRefusal = std::move(seen);
                record(kGateCycleRefused, std::move(details), subject);
                return;
            }
            case Kind::gateObjectLeft:
                state.objectLeft = true;
                record(kGateObjectLeft, std::move(details));
                return;
            case Kind::gateDoorStuck:
                if (!e.leaf.empty() && std::find(state.stuck.begin(), state.stuck.end(), e.leaf) ==
                                           state.stuck.end()) {
                    state.stuck.push_back(e.leaf);
                }
                record(kGateDoorStuck, std::move(details));
                return;
            case Kind::gateFireReleased:
                state.fireReleased = true;
                state.awaitingRearm = false;
                state.cycling = false;
                state.pending.clear();  // nobody's cycle completes through a fire release
                record(kGateFireReleased, std::move(details));
                return;
            case Kind::gateFireCleared:
                state.fireReleased = false;
                state.awaitingRearm = true;
                record(kGateFireCleared, std::move(details));
                return;
            case Kind::gateRearmed: {
                state.fireReleased = false;
                state.awaitingRearm = false;
                state.refused = false;
                state.objectLeft = false;
                state.stuck.clear();
                // "state": "armed" lets a second clear rule follow this event (door_alarm_rules).
                details["state"] = "armed";
                if (state.rearmSentUs != 0 && now - state.rearmSentUs <= kRearmAttributionUs &&
                    state.rearmActor.is_object()) {
                    details["by"] = "command";
                    details.update(state.rearmActor);
                } else {
                    details["by"] = "gate";  // the key switch at the gate
                }
                state.rearmActor = nullptr;
                state.rearmSentUs = 0;
                record(kGateRearmed, std::move(details));
                return;
            }
            case Kind::gatePowerLost:
                state.powerLost = true;
                details["outer"] = leafState(spec.outerFailSafe);
                details["inner"] = leafState(spec.innerFailSafe);
                record(kGatePowerLost, std::move(details));
                return;
            case Kind::gatePowerRestored:
                state.powerLost = false;
                record(kGatePowerRestored, std::move(details));
                return;
            default:
                return;
        }
    }
};

}  // namespace

std::string_view toString(GatePhase phase) {
    switch (phase) {
        case GatePhase::powerLost:
            return "power_lost";
        case GatePhase::fireReleased:
            return "fire_released";
        case GatePhase::awaitingRearm:
            return "awaiting_rearm";
        case GatePhase::refused:
            return "refused";
        case GatePhase::cycling:
            return "cycling";
        case GatePhase::idle:
            break;
    }
    return "idle";
}

bool isGateReport(protocol::DoorEventKind kind) {
    switch (kind) {
        case Kind::cycleStarted:
        case Kind::cycleCompleted:
        case Kind::cycleRefused:
        case Kind::gateObjectLeft:
        case Kind::gateDoorStuck:
        case Kind::gateFireReleased:
        case Kind::gateFireCleared:
        case Kind::gateRearmed:
        case Kind::gatePowerLost:
        case Kind::gatePowerRestored:
            return true;
        default:
            return false;
    }
}

GateStepResult step(const DoorSpec& spec, GateState state, const GateInput& input,
                    core::TimeUs nowUs) {
    GateStepResult result{std::move(state), {}};
    Stepper stepper{spec, result.state, result.outputs, nowUs};
    stepper.expire();
    std::visit([&](const auto& in) { stepper.on(in); }, input);
    return result;
}

std::optional<core::TimeUs> nextDeadline(const DoorSpec& spec, const GateState& state) {
    std::optional<core::TimeUs> due;
    const auto consider = [&](core::TimeUs t) {
        if (!due || t < *due) {
            due = t;
        }
    };
    for (const auto& p : state.pending) {
        consider(p.untilUs + 1);
    }
    if (state.cycling) {
        consider(state.cycleStartedUs + cyclingForUs(spec) + 1);
    }
    return due;
}

GatePhase phaseOf(const GateState& state) {
    if (state.powerLost) {
        return GatePhase::powerLost;
    }
    if (state.fireReleased) {
        return GatePhase::fireReleased;
    }
    if (state.awaitingRearm) {
        return GatePhase::awaitingRearm;
    }
    if (state.cycling) {
        return GatePhase::cycling;
    }
    if (state.refused) {
        return GatePhase::refused;
    }
    return GatePhase::idle;
}

}  // namespace sekimori::doors
