#pragma once
// The card a panel presented, as one door reads it: decoded to its canonical id
// (protocol/card_format.hpp), in a format the door accepts (DoorSpec::cardFormats), with a
// Wiegand facility code the site accepts ([card_formats] wiegand_facility_codes). Anything else
// is denied bad_card_format (CardStep{readable = false}). Pure; the sessions call it on every
// card step.
#include <cstdint>
#include <vector>

#include "doors/door_spec.hpp"
#include "protocol/card_format.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

// The error says why for the log (never the reading beyond its length).
protocol::Parsed<protocol::CardIdentity> cardAtDoor(
    const protocol::CardPresented& card, const DoorSpec& door,
    const std::vector<std::uint32_t>& facilityCodes);

}  // namespace sekimori::doors
