#pragma once
// What the controller tells a panel to do outside an access session, and the panel's answer
// (docs/mqtt.md, "Panel commands"): shared by the controller (doors/), our firmware (firmware/)
// and the simulators. Parsing is strict like protocol/door_messages: a missing, mistyped,
// out-of-range or unknown field is an error naming the field.
//
//   sekimori/<site>/panel/<panel>/command   controller -> panel   PanelCommand
//   sekimori/<site>/panel/<panel>/ack       panel -> controller   PanelAck
//
// Both are authenticated like requests and replies (protocol/panel_link_auth.hpp), under their own
// tags so neither can be passed off as the other:
//   command: macInput(kCommandTag, site, panel, door, id, type, epoch, counter, nonce, body)
//            counter: the controller's, per panel and epoch, strictly increasing
//   ack:     macInput(kAckTag, site, panel, "", command id, result, epoch, counter, nonce, body)
//            counter: the panel's one counter (requests, events, acks); nonce: the command's
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/door_messages.hpp"

namespace sekimori::protocol {

inline constexpr std::string_view kCommandTag = "sekimori.panel.command.v1";
inline constexpr std::string_view kAckTag = "sekimori.panel.ack.v1";

enum class CommandType {
    unlock,        // release the lock for `ms`, re-locked when the door closes (as after a grant)
    holdUnlocked,  // keep the lock released for `ms` whatever the door does (timed unlock,
                   // first-person-in); ends early with `lock`
    lock,          // re-lock now and end any hold
    revoke,        // add `cards` to the panel's local deny list: refused "revoked" at once
    restore,       // take `cards` off the deny list (a disabled person enabled again)
};

// Limits the codec enforces.
inline constexpr int kMaxHoldUnlockedMs = 24 * 3600 * 1000;  // one day
inline constexpr std::size_t kMaxCommandCards = 32;          // per command
inline constexpr std::size_t kMaxCommandIdChars = 64;
inline constexpr std::size_t kMaxAckReasonChars = 64;

struct PanelCommand {
    std::string id;  // the controller's command id, [a-z0-9-]{1,64}; the ack echoes it
    CommandType type = CommandType::lock;
    std::string door;  // unlock, hold_unlocked, lock: the door; empty otherwise
    int ms = 0;        // unlock: 1..kMaxUnlockMs; hold_unlocked: 1..kMaxHoldUnlockedMs
    std::vector<std::string> cards;  // revoke, restore: 1..32 canonical card ids
    LinkAuth auth;                   // epoch, the controller's counter, a fresh nonce, mac
};

enum class AckResult {
    done,     // carried out
    refused,  // authentic but not for this panel (another door); `reason` says why
};

struct PanelAck {
    std::string command;  // the command's id
    AckResult result = AckResult::done;
    std::string reason;  // with refused: 1..64 printable ASCII; empty with done
    LinkAuth auth;       // the panel's epoch and counter, the command's nonce, mac
};

std::string_view toString(CommandType type);
std::string_view toString(AckResult result);
// A card id as the deny list keeps it: the canonical id of protocol/card_format.hpp (upper-case
// hex for FeliCa / MIFARE, "W26-<facility>-<number>" and the like for Wiegand).
bool isDenyListCardId(std::string_view id);

std::string encode(const PanelCommand& message);
std::string encode(const PanelAck& message);
// The exact bytes the MAC covers: the message without its mac member.
std::string encodeBody(const PanelCommand& message);
std::string encodeBody(const PanelAck& message);

Parsed<PanelCommand> parsePanelCommand(std::string_view json);
Parsed<PanelAck> parsePanelAck(std::string_view json);

std::string commandMacInput(std::string_view site, std::string_view panel,
                            const PanelCommand& command, std::string_view body);
std::string ackMacInput(std::string_view site, std::string_view panel, const PanelAck& ack,
                        std::string_view body);

}  // namespace sekimori::protocol
