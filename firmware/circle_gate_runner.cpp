#include "firmware/circle_gate_runner.hpp"

#include <utility>

#include "protocol/panel_commands.hpp"
#include "protocol/panel_link_auth.hpp"

namespace sekimori::firmware::gate {

CircleGateRunner::CircleGateRunner(GateConfig config, CircleGateHal& hal, PanelJournal& journal)
    : config_(std::move(config)), hal_(hal), journal_(journal) {
    state_ = step(config_, std::move(state_), CacheRestored{hal_.loadCache()}, 0).state;
}

JournalLevel CircleGateRunner::journalLevel() const {
    // As DoorPanelRunner: the ordinary room is the capacity without the notices' slot; a journal
    // that did not open has none.
    const std::uint64_t room =
        journal_.isOpen() && journal_.capacity() > 0 ? journal_.capacity() - 1 : 0;
    return JournalLevel{journal_.pending(), room};
}

void CircleGateRunner::syncJournalLevel(std::int64_t nowMs, std::vector<Output>& performed) {
    const auto level = journalLevel();
    const bool full = level.pending >= level.capacity;
    if (full != levelFull_) {
        levelFull_ = full;
        // Through handle: whatever falls due at nowMs on the way is carried out like any output.
        for (auto& output : handle(level, nowMs)) {
            performed.push_back(std::move(output));
        }
    }
}

std::optional<std::int64_t> CircleGateRunner::nextDeadline() const {
    auto next = gate::nextDeadline(config_, state_);
    if (const auto resend = journal_.nextDeadline()) {
        next = next ? std::min(*next, *resend) : *resend;
    }
    return next;
}

bool CircleGateRunner::journalEvent(protocol::PanelEvent& event) {
    if (!journal_.hasRoom()) {
        journal_.countLost();  // never an overwrite: counted, reported as journal_overflow
        return false;
    }
    event.seq = journal_.nextSeq();
    event.sig = hal_.sign(
        protocol::reportSigningInput(config_.site, config_.panel, protocol::encodeReport(event)));
    if (!journal_.append(protocol::encode(event))) {
        journal_.countLost();
        return false;
    }
    return true;
}

// The journal's own notices (near full, overflow) take the counter after the event that caused
// them; they may use the reserved slot.
void CircleGateRunner::journalNotices(std::int64_t nowMs) {
    const auto notice = [&](protocol::DoorEventKind kind, std::uint64_t pending,
                            std::uint64_t lost) {
        protocol::PanelEvent event;
        event.door = config_.gate;
        event.kind = kind;
        event.pending = pending;
        event.lost = lost;
        state_.counter = std::max(state_.counter + 1, config_.firstCounter);
        event.counter = state_.counter;
        event.occurredUs = (nowMs + state_.wallOffsetMs) * 1000;
        event.seq = journal_.nextSeq();
        event.sig = hal_.sign(protocol::reportSigningInput(config_.site, config_.panel,
                                                           protocol::encodeReport(event)));
        return journal_.append(protocol::encode(event), true).ok;
    };
    if (journal_.nearFullDue() &&
        notice(protocol::DoorEventKind::journalNearFull, journal_.pending(), 0)) {
        journal_.nearFullReported();
    }
    if (const auto lost = journal_.overflowDue();
        lost && notice(protocol::DoorEventKind::journalOverflow, 0, *lost)) {
        journal_.overflowReported();
    }
}

void CircleGateRunner::publishDue(std::int64_t nowMs) {
    if (!journal_.online()) {
        return;
    }
    for (const JournalEntry* entry : journal_.due(nowMs)) {
        hal_.publishEvent(entry->payload);
    }
}

std::vector<Output> CircleGateRunner::handle(const Input& input, std::int64_t nowMs) {
    std::vector<Output> performed;
    if (!std::holds_alternative<JournalLevel>(input)) {
        syncJournalLevel(nowMs, performed);  // the journal opened (or filled) since the last input
    }
    const std::string epochBefore = state_.linkEpoch;
    auto result = step(config_, std::move(state_), input, nowMs);
    state_ = std::move(result.state);
    // The link: down stops the upload; up, or a controller's new epoch, restarts it from the
    // oldest entry not acknowledged.
    if (const auto* link = std::get_if<LinkStatus>(&input)) {
        if (link->connected) {
            journal_.linkUp(nowMs);
        } else {
            journal_.linkDown();
        }
    } else if (state_.linkEpoch != epochBefore && state_.linkConnected) {
        journal_.linkUp(nowMs);
    }
    performed.reserve(performed.size() + result.outputs.size());
    std::optional<OfflinePinResult> offlinePin;  // offline: the HAL's hash of the typed PIN
    for (auto& output : result.outputs) {
        if (auto* pin = std::get_if<SendPin>(&output)) {
            SendRequest sealed{std::move(pin->request)};
            sealed.request.step =
                protocol::PinEntered{hal_.sealPin(sealed.request.auth.nonce, pin->digits)};
            pin->digits.assign(pin->digits.size(), '\0');
            output = std::move(sealed);
        }
        if (auto* send = std::get_if<SendRequest>(&output)) {
            auto& request = send->request;
            if (std::holds_alternative<protocol::CardPresented>(request.step)) {
                request.auth.nonce = hal_.freshNonce();
            }
            request.auth.mac = hal_.mac(protocol::requestMacInput(
                config_.site, config_.panel, request, protocol::encodeBody(request)));
            hal_.publishRequest(request);
        } else if (auto* event = std::get_if<SendEvent>(&output)) {
            journalEvent(event->event);
            journalNotices(nowMs);
        } else if (auto* ack = std::get_if<SendAck>(&output)) {
            ack->ack.auth.mac = hal_.mac(protocol::ackMacInput(
                config_.site, config_.panel, ack->ack, protocol::encodeBody(ack->ack)));
            hal_.publishAck(ack->ack);
        } else if (const auto* drive = std::get_if<DriveLeaf>(&output)) {
            hal_.driveLeaf(drive->leaf, drive->released);
        } else if (const auto* display = std::get_if<Display>(&output)) {
            hal_.display(*display);
        } else if (const auto* acked = std::get_if<AckJournal>(&output)) {
            journal_.ack(acked->seq, nowMs);
            journalNotices(nowMs);  // room again: a pending overflow report is due
        } else if (auto* verify = std::get_if<VerifyOfflinePin>(&output)) {
            offlinePin = OfflinePinResult{hal_.offlinePinHash(verify->person, verify->digits)};
            verify->digits.assign(verify->digits.size(), '\0');
            verify->digits.clear();
        } else if (const auto* cache = std::get_if<CacheChanged>(&output)) {
            hal_.storeCache(cache->bytes);
        }
        performed.push_back(std::move(output));
    }
    publishDue(nowMs);
    if (offlinePin) {
        for (auto& output : handle(*offlinePin, nowMs)) {
            performed.push_back(std::move(output));
        }
    }
    if (!std::holds_alternative<JournalLevel>(input)) {
        syncJournalLevel(nowMs, performed);
    }
    return performed;
}

std::vector<Output> CircleGateRunner::fingerPlaced(std::string_view liveSample,
                                                   std::int64_t nowMs) {
    std::optional<int> score;
    if (state_.phase == Phase::awaitingFinger) {
        score = hal_.matchFinger(state_.templateBox, liveSample);
        if (!state_.templateBox2.empty()) {
            const std::optional<int> second = hal_.matchFinger(state_.templateBox2, liveSample);
            if (second && (!score || *second > *score)) {
                score = second;
            }
        }
    }
    return handle(FingerPlaced{score}, nowMs);
}

bool CircleGateRunner::macMatches(std::string_view input, std::string_view mac) {
    const std::string expected = hal_.mac(input);
    if (expected.size() != mac.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (std::size_t i = 0; i < mac.size(); ++i) {
        difference |= static_cast<unsigned char>(expected[i] ^ mac[i]);
    }
    return difference == 0;
}

std::vector<Output> CircleGateRunner::replyReceived(std::string_view payload, std::int64_t nowMs) {
    auto reply = protocol::parsePanelReply(payload);
    if (!reply) {
        return {Ignored{"reply: " + reply.error}};
    }
    const auto body = protocol::bodyBeforeMac(payload);
    const bool authentic = body && macMatches(protocol::replyMacInput(config_.site, config_.panel,
                                                                      *reply.value, *body),
                                              reply.value->auth.mac);
    return handle(ControllerReply{std::move(*reply.value), authentic}, nowMs);
}

std::vector<Output> CircleGateRunner::linkReceived(std::string_view payload, std::int64_t nowMs) {
    auto link = protocol::parsePanelLink(payload);
    if (!link) {
        return {Ignored{"link: " + link.error}};
    }
    const auto body = protocol::bodyBeforeMac(payload);
    const bool authentic =
        body && macMatches(protocol::linkMacInput(config_.site, config_.panel, *link.value, *body),
                           link.value->mac);
    return handle(LinkAnnounced{std::move(*link.value), authentic}, nowMs);
}

std::vector<Output> CircleGateRunner::commandReceived(std::string_view payload,
                                                      std::int64_t nowMs) {
    auto command = protocol::parsePanelCommand(payload);
    if (!command) {
        return {Ignored{"command: " + command.error}};
    }
    const auto body = protocol::bodyBeforeMac(payload);
    const bool authentic = body && macMatches(protocol::commandMacInput(config_.site, config_.panel,
                                                                        *command.value, *body),
                                              command.value->auth.mac);
    return handle(ControllerCommand{std::move(*command.value), authentic}, nowMs);
}

}  // namespace sekimori::firmware::gate
