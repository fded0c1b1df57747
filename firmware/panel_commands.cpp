#include "firmware/panel_commands.hpp"

#include <algorithm>

namespace sekimori::firmware {

void DenyList::add(const std::string& card) {
    if (!cards_.insert(card).second) {
        return;
    }
    order_.push_back(card);
    if (order_.size() > kCapacity) {
        cards_.erase(order_.front());
        order_.pop_front();
    }
}

void DenyList::remove(const std::string& card) {
    // Rare (a person enabled again): a linear pass keeps order_ exactly the live cards.
    if (cards_.erase(card) != 0) {
        order_.erase(std::find(order_.begin(), order_.end(), card));
    }
}

CommandEffect applyCommand(const std::string& door, CommandState& state,
                           const std::string& linkEpoch, const ControllerCommand& input) {
    using protocol::CommandType;
    CommandEffect effect;
    const auto& command = input.command;
    // Only the controller holds the panel key: anything else on the command topic is injected.
    if (!input.authentic) {
        effect.ignored = "command: bad MAC";
        return effect;
    }
    if (linkEpoch.empty() || command.auth.epoch != linkEpoch) {
        effect.ignored = "command: stale epoch";
        return effect;
    }
    if (state.epoch != linkEpoch) {
        state.epoch = linkEpoch;  // the controller restarted: its counter starts again
        state.lastCounter = 0;
    }
    if (command.auth.counter <= state.lastCounter) {
        effect.ignored = "command: replay";
        return effect;
    }
    state.lastCounter = command.auth.counter;
    protocol::PanelAck ack;
    ack.command = command.id;
    const bool forDoor = command.type == CommandType::unlock ||
                         command.type == CommandType::holdUnlocked ||
                         command.type == CommandType::lock;
    if (forDoor && command.door != door) {
        ack.result = protocol::AckResult::refused;
        ack.reason = "not this panel's door";
        effect.ack = std::move(ack);
        return effect;
    }
    switch (command.type) {
        case CommandType::unlock:
            effect.lock = CommandEffect::Lock::release;
            effect.ms = command.ms;
            break;
        case CommandType::holdUnlocked:
            effect.lock = CommandEffect::Lock::hold;
            effect.ms = command.ms;
            state.holding = true;
            break;
        case CommandType::lock:
            effect.lock = CommandEffect::Lock::relock;
            state.holding = false;
            break;
        case CommandType::revoke:
            for (const auto& card : command.cards) {
                state.denied.add(card);
            }
            break;
        case CommandType::restore:
            for (const auto& card : command.cards) {
                state.denied.remove(card);
            }
            break;
        default:  // issue 15's types are handled by the offline cache and the journal
            break;
    }
    ack.result = protocol::AckResult::done;
    effect.ack = std::move(ack);
    return effect;
}

std::optional<protocol::DoorEventKind> lockFeedback(CommandState& state,
                                                    const LockFeedback& input) {
    if (input.fault == state.lockFault) {
        return std::nullopt;
    }
    state.lockFault = input.fault;
    return input.fault ? protocol::DoorEventKind::lockFault
                       : protocol::DoorEventKind::lockFaultCleared;
}

std::optional<protocol::DoorEventKind> readerHealth(CommandState& state,
                                                    const ReaderHealth& input) {
    if (input.online != state.readerOffline) {
        return std::nullopt;  // readerOffline == !online already
    }
    state.readerOffline = !input.online;
    return input.online ? protocol::DoorEventKind::readerOnline
                        : protocol::DoorEventKind::readerOffline;
}

}  // namespace sekimori::firmware
