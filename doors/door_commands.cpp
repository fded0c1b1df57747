#include "doors/door_commands.hpp"

#include "core/api_actor.hpp"
#include "core/log.hpp"
#include "doors/door_event_types.hpp"
#include "doors/door_events.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";
constexpr std::size_t kMaxCommentBytes = 500;
constexpr core::TimeUs kUsPerMinute = 60'000'000;

core::ApiResult error(int status, std::string_view code, std::string message) {
    auto result = core::apiError(status, std::move(message));
    result.body["code"] = std::string(code);
    return result;
}

// 400 naming what is wrong with the body; the comment and (timed_unlock) minutes it carries.
std::optional<core::ApiResult> checkBody(const core::ApiCall& call, bool timed,
                                         std::string& comment, int& minutes) {
    if (!call.query.empty()) {
        return error(400, "doors.bad_request",
                     call.query.begin()->first + ": unknown query parameter");
    }
    const char* expected = timed ? "comment, minutes" : "comment";
    if (!call.body.is_object()) {
        return error(400, "doors.bad_request",
                     std::string("body: must be a JSON object with ") + expected);
    }
    for (const auto& [name, value] : call.body.items()) {
        if (name != "comment" && !(timed && name == "minutes")) {
            return error(400, "doors.bad_request",
                         name + ": unknown field (expected " + expected + ")");
        }
    }
    auto text = call.body.find("comment");
    if (text == call.body.end() || !text->is_string() || text->get<std::string>().empty() ||
        text->get<std::string>().size() > kMaxCommentBytes) {
        return error(400, "doors.bad_request", "comment: required, a string of 1..500 bytes");
    }
    comment = text->get<std::string>();
    if (timed) {
        auto m = call.body.find("minutes");
        if (m == call.body.end() || !m->is_number_integer() || m->get<std::int64_t>() < 1 ||
            m->get<std::int64_t>() > kMaxTimedUnlockMinutes) {
            return error(
                400, "doors.bad_request",
                "minutes: required, an integer of 1.." + std::to_string(kMaxTimedUnlockMinutes));
        }
        minutes = static_cast<int>(m->get<std::int64_t>());
    }
    return std::nullopt;
}

// Source door:<id> like every door event (the door page lists them); the actor is in the payload.
core::Event commandEvent(const std::string& door, const std::string& command, int minutes,
                         const std::string& comment, nlohmann::json actor, core::TimeUs now) {
    nlohmann::json details{{"command", command}, {"comment", comment}};
    if (command == "timed_unlock") {
        details["until_us"] = now + core::TimeUs{minutes} * kUsPerMinute;
    }
    details.update(actor);
    return doorEvent(kDoorCommand, door, std::move(details), {}, now);
}

std::string field(const nlohmann::json& json, const char* name) {
    auto it = json.find(name);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

DoorCommands::DoorCommands(DoorCommandsParts parts) : parts_(std::move(parts)) {}

DoorCommands::~DoorCommands() {
    stop();
}

void DoorCommands::start() {
    if (!token_) {
        token_ = parts_.bus.subscribe(kDoorCommand,
                                      [this](const core::RecordedEvent& e) { carryOut(e); });
    }
}

void DoorCommands::stop() {
    token_.reset();
    alive_ = std::make_shared<int>(0);
}

std::vector<core::ApiRoute> DoorCommands::routes() {
    std::vector<core::ApiRoute> routes;
    for (const char* command : {"unlock", "lock", "timed_unlock", "rearm"}) {
        routes.push_back({core::HttpMethod::post, std::string("/api/doors/{id}/") + command,
                          kDoorCommanders, core::RunOn::io,
                          [this, command = std::string(command)](const core::ApiCall& call,
                                                                 core::ApiReply reply) {
                              handle(command, call, std::move(reply));
                          }});
    }
    return routes;
}

void DoorCommands::handle(const std::string& command, const core::ApiCall& call,
                          core::ApiReply reply) {
    std::string comment;
    int minutes = 0;
    if (auto bad = checkBody(call, command == "timed_unlock", comment, minutes)) {
        reply(std::move(*bad));
        return;
    }
    auto id = call.params.find("id");
    const DoorSpec* door = id == call.params.end() ? nullptr : parts_.door(id->second);
    if (door == nullptr) {
        reply(error(404, "doors.not_found",
                    "no door '" + (id == call.params.end() ? std::string() : id->second) + "'"));
        return;
    }
    if (door->circleGate != (command == "rearm")) {
        reply(error(
            400, "doors.bad_request",
            door->circleGate
                ? "gate " + door->id + " takes only rearm: its leaves are the gate's interlock"
                : "rearm is a circle gate's command; " + door->id + " is a door"));
        return;
    }
    if (!parts_.online(door->panel)) {
        reply(error(409, "doors.panel_offline",
                    "panel " + door->panel + " of door " + door->id + " is offline"));
        return;
    }
    if (door->commandsNeedApproval && command != "rearm") {
        if (parts_.approvals == nullptr) {
            reply(error(503, "doors.unavailable",
                        "commands to door " + door->id +
                            " need an approval and the approval "
                            "engine is not running"));
            return;
        }
        nlohmann::json action{{"door", door->id}, {"command", command}, {"comment", comment}};
        if (command == "timed_unlock") {
            action["minutes"] = minutes;
        }
        parts_.approvals->request(
            call, std::string(kDoorCommandKind), std::move(action),
            command + " " + door->id + ": " + comment, "",
            [reply](core::Result<policy::ApprovalRequest> requested) {
                if (!requested) {
                    const int status = policy::approvalErrorStatus(requested.error());
                    reply(error(status, requested.error().code, requested.error().message));
                    return;
                }
                reply(core::ApiResult{202,
                                      {{"approval",
                                        {{"id", requested->id},
                                         {"kind", requested->kind},
                                         {"state", requested->state},
                                         {"expires_us", requested->expiresUs}}}}});
            });
        return;
    }
    const core::TimeUs now = parts_.clock.nowUs();
    core::Event event =
        commandEvent(door->id, command, minutes, comment, core::actorFields(call), now);
    nlohmann::json answer{{"door", door->id}, {"command", command}};
    if (command == "timed_unlock") {
        answer["until_us"] = now + core::TimeUs{minutes} * kUsPerMinute;
    }
    core::Change change;
    change.events.push_back(std::move(event));
    change.onDone = [reply, answer](const core::Result<void>& done) {
        if (!done) {
            core::logWarning(kComponent, "door command not stored: " + done.error().message);
            reply(error(503, "doors.unavailable",
                        "the audit store cannot take the command now: " + done.error().message));
            return;
        }
        reply(core::ApiResult{200, {{"command", answer}}});
    };
    parts_.recorder.commit(std::move(change));
}

void DoorCommands::registerApprovalKind(policy::ApprovalEngine& engine) {
    policy::ApprovalKind kind;
    kind.name = std::string(kDoorCommandKind);
    kind.requesters = kDoorCommanders;
    kind.approvers = kDoorCommandApprovers;
    kind.ttl = std::chrono::hours(1);  // a door command is for now, not for tomorrow
    kind.apply =
        [this](core::Database&,
               const policy::ApprovalRequest& request) -> core::Result<std::vector<core::Event>> {
        const std::string door = field(request.action, "door");
        const std::string command = field(request.action, "command");
        auto minutes = request.action.find("minutes");
        if (door.empty() ||
            (command != "unlock" && command != "lock" && command != "timed_unlock") ||
            (command == "timed_unlock" &&
             (minutes == request.action.end() || !minutes->is_number_integer()))) {
            return core::makeError("doors.bad_request",
                                   "approval " + request.id + ": not a door command");
        }
        // The approver's call causes it; the trail keeps who asked too.
        nlohmann::json actor{
            {"actor", request.decidedBy},
            {"approval", request.id},
            {"requested_by", request.requester},
            {"requester_role", std::string(core::roleName(request.requesterRole))}};
        return std::vector<core::Event>{
            commandEvent(door, command, command == "timed_unlock" ? minutes->get<int>() : 0,
                         field(request.action, "comment"), std::move(actor), parts_.clock.nowUs())};
    };
    engine.registerKind(std::move(kind));
}

void DoorCommands::carryOut(const core::RecordedEvent& recorded) {
    if (!recorded.body || !recorded.body->is_object()) {
        return;
    }
    const nlohmann::json& body = *recorded.body;
    const DoorSpec* door = parts_.door(field(body, "door"));
    const std::string command = field(body, "command");
    if (door == nullptr) {
        core::logError(kComponent, "door.command #" + std::to_string(recorded.seq) +
                                       " names no door of this site: not carried out");
        return;
    }
    if (door->circleGate != (command == "rearm")) {
        core::logError(kComponent, "door.command #" + std::to_string(recorded.seq) + " (" +
                                       command + ") does not apply to " + door->id +
                                       ": not carried out");
        return;
    }
    const core::TimeUs now = parts_.clock.nowUs();
    const std::string id = "cmd-" + std::to_string(recorded.seq);
    ManualCommand manual{command, 0};
    if (command == "unlock") {
        send(*door, protocol::CommandType::unlock, door->unlockMs, id);
    } else if (command == "lock") {
        send(*door, protocol::CommandType::lock, 0, id);
    } else if (command == "rearm") {
        send(*door, protocol::CommandType::gateRearm, 0, id);
        if (parts_.rearmSent) {
            nlohmann::json actor = nlohmann::json::object();
            for (const char* name : {"actor", "role", "unix_user"}) {
                if (auto it = body.find(name); it != body.end()) {
                    actor[name] = *it;
                }
            }
            parts_.rearmSent(*door, actor);
        }
    } else if (command == "timed_unlock") {
        manual.untilUs = body.value("until_us", core::TimeUs{0});
        const core::TimeUs ms = (manual.untilUs - now) / 1000;
        if (ms <= 0) {
            return;  // already over (an approval that came too late)
        }
        send(*door, protocol::CommandType::holdUnlocked,
             static_cast<int>(std::min<core::TimeUs>(ms, protocol::kMaxHoldUnlockedMs)), id);
    } else {
        return;
    }
    if (parts_.carriedOut) {
        parts_.carriedOut(*door, manual);
    }
}

void DoorCommands::send(const DoorSpec& door, protocol::CommandType type, int ms, std::string id) {
    protocol::PanelCommand out;
    out.id = std::move(id);
    out.type = type;
    out.door = door.id;
    out.ms = ms;
    if (!parts_.gateway.sendCommand(door.panel, std::move(out))) {
        core::logError(kComponent, "door " + door.id + ": command not sent (panel " + door.panel +
                                       " not served)");
    }
}

void DoorCommands::sendAfterRecorded(const DoorSpec& door, const CommandPanel& command) {
    // An empty change commits after everything recorded before it: the door.schedule_* event
    // the state recorded with this command is durable when onDone runs.
    core::Change barrier;
    barrier.onDone = [this, alive = std::weak_ptr<int>(alive_), door = &door,
                      command](const core::Result<void>& done) {
        if (alive.expired()) {
            return;
        }
        if (!done) {
            core::logError(kComponent, "door " + door->id +
                                           ": first-person-in command not sent, its event is not "
                                           "durable: " +
                                           done.error().message);
            return;
        }
        send(*door, command.type, command.ms, "fpi-" + std::to_string(++sent_));
    };
    parts_.recorder.commit(std::move(barrier));
}

}  // namespace sekimori::doors
