#include "firmware/door_panel_runner.hpp"

#include <utility>

#include "protocol/panel_commands.hpp"
#include "protocol/panel_link_auth.hpp"

namespace sekimori::firmware {

DoorPanelRunner::DoorPanelRunner(PanelConfig config, DoorPanelHal& hal)
    : config_(std::move(config)), hal_(hal) {
    // Boot: the offline cache as last stored, stale until the controller's first sync.
    state_ = step(config_, std::move(state_), CacheRestored{hal_.loadCache()}, 0).state;
}

std::optional<std::int64_t> DoorPanelRunner::nextDeadline() const {
    return firmware::nextDeadline(config_, state_);
}

std::vector<Output> DoorPanelRunner::handle(const Input& input, std::int64_t nowMs) {
    auto result = step(config_, std::move(state_), input, nowMs);
    state_ = std::move(result.state);
    std::vector<Output> performed;
    performed.reserve(result.outputs.size());
    std::optional<OfflinePinResult> offlinePin;  // offline: the HAL's hash of the typed PIN
    for (auto& output : result.outputs) {
        if (auto* pin = std::get_if<SendPin>(&output)) {
            SendRequest sealed{std::move(pin->request)};
            if (std::holds_alternative<protocol::KeypadCode>(sealed.request.step)) {
                // A keypad code opens the session: it is bound to its own request's nonce.
                sealed.request.auth.nonce = hal_.freshNonce();
                sealed.request.step =
                    protocol::KeypadCode{hal_.sealPin(sealed.request.auth.nonce, pin->digits)};
            } else {
                sealed.request.step =
                    protocol::PinEntered{hal_.sealPin(sealed.request.auth.nonce, pin->digits)};
            }
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
            event->event.sig = hal_.sign(protocol::reportSigningInput(
                config_.site, config_.panel, protocol::encodeReport(event->event)));
            hal_.publishEvent(event->event);
        } else if (auto* ack = std::get_if<SendAck>(&output)) {
            ack->ack.auth.mac = hal_.mac(protocol::ackMacInput(
                config_.site, config_.panel, ack->ack, protocol::encodeBody(ack->ack)));
            hal_.publishAck(ack->ack);
        } else if (auto* verify = std::get_if<VerifyOfflinePin>(&output)) {
            offlinePin = OfflinePinResult{hal_.offlinePinHash(verify->person, verify->digits)};
            verify->digits.assign(verify->digits.size(), '\0');
            verify->digits.clear();
        } else if (const auto* cache = std::get_if<CacheChanged>(&output)) {
            hal_.storeCache(cache->bytes);
        } else if (const auto* lock = std::get_if<DriveLock>(&output)) {
            hal_.driveLock(lock->released, lock->ms);
        } else if (const auto* display = std::get_if<Display>(&output)) {
            hal_.display(*display);
        }
        performed.push_back(std::move(output));
    }
    if (offlinePin) {
        for (auto& output : handle(*offlinePin, nowMs)) {
            performed.push_back(std::move(output));
        }
    }
    return performed;
}

std::vector<Output> DoorPanelRunner::fingerPlaced(std::string_view liveSample, std::int64_t nowMs) {
    std::optional<int> score;
    if (state_.phase == Phase::awaitingFinger) {
        score = hal_.matchFinger(state_.templateBox, liveSample);
        // Two fingers enrolled: the better of the two scores is the one sent.
        if (!state_.templateBox2.empty()) {
            const std::optional<int> second = hal_.matchFinger(state_.templateBox2, liveSample);
            if (second && (!score || *second > *score)) {
                score = second;
            }
        }
    }
    return handle(FingerPlaced{score}, nowMs);
}

bool DoorPanelRunner::macMatches(std::string_view input, std::string_view mac) {
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

std::vector<Output> DoorPanelRunner::replyReceived(std::string_view payload, std::int64_t nowMs) {
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

std::vector<Output> DoorPanelRunner::linkReceived(std::string_view payload, std::int64_t nowMs) {
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

}  // namespace sekimori::firmware

namespace sekimori::firmware {

std::vector<Output> DoorPanelRunner::commandReceived(std::string_view payload, std::int64_t nowMs) {
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

}  // namespace sekimori::firmware
