#pragma once
// Runs the door panel state machine against a HAL: feeds inputs with the caller's time and
// carries every output out (seal and publish, drive the lock, show on the display). It reads no
// clock either; the caller ticks it at nextDeadline().
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "firmware/door_panel.hpp"
#include "firmware/door_panel_hal.hpp"

namespace sekimori::firmware {

class DoorPanelRunner {
  public:
    DoorPanelRunner(PanelConfig config, DoorPanelHal& hal);

    // Applies one input at nowMs and performs its outputs through the HAL. Returns them for
    // logging, with every SendPin already turned into the SendRequest that went out (the sealed
    // box), so no clear PIN leaves this call.
    std::vector<Output> handle(const Input& input, std::int64_t nowMs);
    // The reader sensed a live finger: the HAL scores it against the current challenge's
    // template, and the score goes in as FingerPlaced.
    std::vector<Output> fingerPlaced(std::string_view liveSample, std::int64_t nowMs);
    // A payload on the reply (link) topic: parsed strictly, its MAC checked through the HAL,
    // then handed to the state machine. A payload that does not parse is one Ignored output.
    std::vector<Output> replyReceived(std::string_view payload, std::int64_t nowMs);
    std::vector<Output> linkReceived(std::string_view payload, std::int64_t nowMs);
    // A payload on the command topic (protocol/panel_commands.hpp), likewise.
    std::vector<Output> commandReceived(std::string_view payload, std::int64_t nowMs);

    const PanelState& state() const { return state_; }
    const PanelConfig& config() const { return config_; }
    std::optional<std::int64_t> nextDeadline() const;

  private:
    // True when `mac` is the HAL's MAC of `input` (compared in constant time).
    bool macMatches(std::string_view input, std::string_view mac);

    PanelConfig config_;
    DoorPanelHal& hal_;
    PanelState state_;
};

}  // namespace sekimori::firmware
