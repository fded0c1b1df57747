#pragma once
// What a door panel does with the controller's commands (protocol/panel_commands.hpp), its local
// deny list, and how it reports its lock's and readers' faults: pure functions over the part of
// the panel's state they own, called from the state machine's handlers (door_panel.cpp), so the
// whole panel stays one step(config, state, input, now). Tested as tables
// (tests/firmware/panel_commands_test.cpp).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"

namespace sekimori::firmware {

// The cards the controller revoked, refused "revoked" at the reader without asking it. Bounded:
// past kCapacity the oldest entry falls off (the controller still refuses a revoked card itself).
class DenyList {
  public:
    static constexpr std::size_t kCapacity = 10'000;

    bool contains(std::string_view card) const { return cards_.count(std::string(card)) != 0; }
    void add(const std::string& card);
    void remove(const std::string& card);
    std::size_t size() const { return cards_.size(); }

  private:
    std::deque<std::string> order_;  // the cards, oldest first
    std::unordered_set<std::string> cards_;
};

struct CommandState {
    std::string epoch;              // the epoch lastCounter belongs to
    std::uint64_t lastCounter = 0;  // the last command accepted under `epoch`
    bool holding = false;           // hold_unlocked in force: closing does not re-lock
    DenyList denied;
    bool lockFault = false;      // as last reported
    bool readerOffline = false;  // as last reported
};

// A command from the command topic; `authentic` when its MAC verified under the panel key.
struct ControllerCommand {
    protocol::PanelCommand command;
    bool authentic = false;
};
// The lock's feedback (strike monitor) disagrees with how it is driven (`fault`), or agrees again.
struct LockFeedback {
    bool fault = true;
};
// The panel's reader stopped answering (`online` false), or answers again.
struct ReaderHealth {
    bool online = true;
};

// What the state machine does with one command.
struct CommandEffect {
    enum class Lock { none, release, hold, relock };
    Lock lock = Lock::none;
    int ms = 0;                             // with release and hold
    std::optional<protocol::PanelAck> ack;  // result and reason set; the machine adds epoch,
                                            // counter and nonce
    std::string ignored;                    // not empty: the command is ignored, and why
};

// Checks the command (MAC, epoch, counter; the door) and applies what it does to `state`: the deny
// list, the counter, whether a hold is in force.
CommandEffect applyCommand(const std::string& door, CommandState& state,
                           const std::string& linkEpoch, const ControllerCommand& input);

// The report to send for a change of the lock's or reader's health, none when nothing changed.
std::optional<protocol::DoorEventKind> lockFeedback(CommandState& state, const LockFeedback& input);
std::optional<protocol::DoorEventKind> readerHealth(CommandState& state, const ReaderHealth& input);

}  // namespace sekimori::firmware
