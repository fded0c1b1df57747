#include "doors/card_reading.hpp"

#include <algorithm>

namespace sekimori::doors {

protocol::Parsed<protocol::CardIdentity> cardAtDoor(
    const protocol::CardPresented& card, const DoorSpec& door,
    const std::vector<std::uint32_t>& facilityCodes) {
    using Result = protocol::Parsed<protocol::CardIdentity>;
    Result decoded = card.format.empty() ? protocol::decodeCard("", card.cardUid)
                                         : protocol::decodeCard(card.format, card.raw);
    if (!decoded) {
        return decoded;
    }
    const protocol::CardIdentity& id = *decoded.value;
    if (!door.cardFormats.empty()) {
        // A door that names its formats knows its readers: a reading without one is not theirs.
        if (!id.format) {
            return Result{std::nullopt, "card: door " + door.id +
                                            " accepts only its card_formats; the reading names "
                                            "no format"};
        }
        const std::string_view name = protocol::toString(*id.format);
        if (std::find(door.cardFormats.begin(), door.cardFormats.end(), name) ==
            door.cardFormats.end()) {
            return Result{std::nullopt, "card: door " + door.id + " does not accept " +
                                            std::string(name) + " cards"};
        }
    }
    if (!protocol::facilityAccepted(id, facilityCodes)) {
        return Result{std::nullopt, "card: facility code " + std::to_string(*id.facility) +
                                        " is not one of the site's wiegand_facility_codes"};
    }
    return decoded;
}

}  // namespace sekimori::doors
