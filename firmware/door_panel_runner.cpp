#include "firmware/door_panel_runner.hpp"

#include <utility>

namespace sekimori::firmware {

DoorPanelRunner::DoorPanelRunner(PanelConfig config, DoorPanelHal& hal)
    : config_(std::move(config)), hal_(hal) {}

std::optional<std::int64_t> DoorPanelRunner::nextDeadline() const {
    return firmware::nextDeadline(config_, state_);
}

std::vector<Output> DoorPanelRunner::handle(const Input& input, std::int64_t nowMs) {
    auto result = step(config_, std::move(state_), input, nowMs);
    state_ = std::move(result.state);
    std::vector<Output> performed;
    performed.reserve(result.outputs.size());
    for (auto& output : result.outputs) {
        if (auto* pin = std::get_if<SendPin>(&output)) {
            SendRequest sealed{std::move(pin->request)};
            sealed.request.step = protocol::PinEntered{hal_.sealPin(pin->digits)};
            pin->digits.assign(pin->digits.size(), '\0');
            output = std::move(sealed);
        }
        if (const auto* send = std::get_if<SendRequest>(&output)) {
            hal_.publishRequest(send->request);
        } else if (const auto* event = std::get_if<SendEvent>(&output)) {
            hal_.publishEvent(event->event);
        } else if (const auto* lock = std::get_if<DriveLock>(&output)) {
            hal_.driveLock(lock->released, lock->ms);
        } else if (const auto* display = std::get_if<Display>(&output)) {
            hal_.display(*display);
        }
        performed.push_back(std::move(output));
    }
    return performed;
}

std::vector<Output> DoorPanelRunner::fingerPlaced(std::string_view liveSample, std::int64_t nowMs) {
    std::optional<int> score;
    if (state_.phase == Phase::awaitingFinger) {
        score = hal_.matchFinger(state_.templateBox, liveSample);
    }
    return handle(FingerPlaced{score}, nowMs);
}

}  // namespace sekimori::firmware
