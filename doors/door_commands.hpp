#pragma once
// An operator's manual commands to a door (docs/openapi.yaml, "Door commands"):
//   POST /api/doors/{id}/unlock        {comment}           release the lock once (unlock_ms)
//   POST /api/doors/{id}/lock          {comment}           re-lock now, ending any hold
//   POST /api/doors/{id}/timed_unlock  {comment, minutes}  hold it unlocked for 1..1440 minutes
// Roles: desk operator and security admin. 200 once door.command (with the actor) is durable; a
// door whose commands need approval (DoorSpec::commandsNeedApproval: into a management or handling
// area) answers 202 with the approval (kind doors.door_command, approved by a security admin who
// is not the requester), and the approval records door.command. Every door.command on the bus is
// then carried out: the panel command goes out (protocol/panel_commands) and the door's state
// learns it. 404 doors.not_found, 400 doors.bad_request, 409 doors.panel_offline (a command to a
// panel that cannot hear it would wait in the broker and act later). io thread.
//
// Issue 15, circle gates (docs/circle-gates.md):
//   POST /api/doors/{id}/rearm         {comment}           a guard's override re-arms the gate
// after a fire release or a refused cycle (panel command gate_rearm). It only restores the
// interlock, so it never waits for an approval. A gate takes no unlock, lock or timed unlock (its
// leaves are the firmware's interlock) and a door no rearm: 400 doors.bad_request.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "doors/door_spec.hpp"
#include "doors/door_state.hpp"
#include "doors/panel_gateway.hpp"

namespace sekimori::policy {
class ApprovalEngine;
}

namespace sekimori::doors {

inline constexpr std::string_view kDoorCommandKind = "doors.door_command";
inline constexpr core::RoleSet kDoorCommanders{core::Role::deskOperator, core::Role::securityAdmin};
inline constexpr core::RoleSet kDoorCommandApprovers{core::Role::securityAdmin};
inline constexpr int kMaxTimedUnlockMinutes = 24 * 60;

struct DoorCommandsParts {
    core::EventRecorder& recorder;
    core::EventBus& bus;
    const core::Clock& clock;
    PanelGateway& gateway;
    policy::ApprovalEngine* approvals = nullptr;  // null: doors needing approval answer 503
    std::function<const DoorSpec*(const std::string& door)> door;  // io thread
    std::function<bool(const std::string& panel)> online;
    // The command went out: the door's state hears it (DoorsService feeds ManualCommand).
    std::function<void(const DoorSpec& door, const ManualCommand& command)> carriedOut;
    // A gate's rearm went out: the gate's supervision hears who commanded it (the payload's
    // actor fields of the door.command).
    std::function<void(const DoorSpec& gate, const nlohmann::json& actor)> rearmSent{};
};

class DoorCommands {
  public:
    explicit DoorCommands(DoorCommandsParts parts);
    ~DoorCommands();
    DoorCommands(const DoorCommands&) = delete;
    DoorCommands& operator=(const DoorCommands&) = delete;

    // doors.door_command (before the engine starts).
    void registerApprovalKind(policy::ApprovalEngine& engine);
    // Follows door.command on the bus.
    void start();
    void stop();
    std::vector<core::ApiRoute> routes();

    // A command the door's state decided (first-person-in): sent once every event recorded
    // before it is durable.
    void sendAfterRecorded(const DoorSpec& door, const CommandPanel& command);

  private:
    void handle(const std::string& command, const core::ApiCall& call, core::ApiReply reply);
    void carryOut(const core::RecordedEvent& event);
    void send(const DoorSpec& door, protocol::CommandType type, int ms, std::string id);

    DoorCommandsParts parts_;
    core::EventBus::Token token_;
    std::uint64_t sent_ = 0;  // ids of the state's own commands
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
