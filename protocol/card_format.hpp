#pragma once
// The reader formats a door panel may send a card in, and the one canonical card id each
// decodes to (docs/mqtt.md, "Card formats"). The id is what door_cards stores and what a card
// is enrolled, revoked and looked up by, so two readers of one card must agree on it:
//   felica     FeliCa IDm, 8 bytes: 16 hex digits            -> upper-case hex
//   mifare     MIFARE UID, 4 or 7 bytes: 8 or 14 hex digits  -> upper-case hex
//   wiegand26  26 bits '0'/'1': even parity, 8-bit facility, 16-bit number, odd parity
//   wiegand34  34 bits: even parity, 16-bit facility, 16-bit number, odd parity
//   wiegand37  37 bits (HID H10304): even parity, 16-bit facility, 19-bit number, odd parity
//              -> "W26-<facility>-<number>" (decimal, no padding), "W34-...", "W37-..."
// A request without a format carries the legacy upper-case hex UID (8..20 digits) as it is.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parsed.hpp"

namespace sekimori::protocol {

enum class CardFormat { felica, mifare, wiegand26, wiegand34, wiegand37 };

inline constexpr std::array kCardFormats = {CardFormat::felica, CardFormat::mifare,
                                            CardFormat::wiegand26, CardFormat::wiegand34,
                                            CardFormat::wiegand37};

// The longest raw reading of any format (a 37-bit Wiegand string).
inline constexpr std::size_t kMaxCardRawChars = 37;

std::string_view toString(CardFormat format);
std::optional<CardFormat> cardFormatFromString(std::string_view name);
bool isWiegand(CardFormat format);

struct CardIdentity {
    std::optional<CardFormat> format;       // empty: a legacy request that named no format
    std::string id;                         // canonical (see above)
    std::optional<std::uint32_t> facility;  // Wiegand only: the facility code read
};

// Decodes one reading. `format` empty: `raw` is a legacy hex UID. An error names what was wrong
// (length, a non-hex digit, parity) and never echoes more of the reading than its length.
Parsed<CardIdentity> decodeCard(std::string_view format, std::string_view raw);

// Whether `id` is a canonical card id: 8..20 upper-case hex digits (even count), or a Wiegand id
// whose facility and number fit its format. Enrollment checks card ids with it.
bool isCanonicalCardId(std::string_view id);

// The raw bit string of a Wiegand card (for simulated readers, tests and benches). Empty when
// `format` is not Wiegand or the facility or number does not fit it.
std::string encodeWiegand(CardFormat format, std::uint32_t facility, std::uint32_t number);

// Whether a decoded card passes the site's Wiegand facility codes ([card_formats]
// wiegand_facility_codes): a non-Wiegand card always does, and so does any card when the list is
// empty.
bool facilityAccepted(const CardIdentity& card, const std::vector<std::uint32_t>& facilityCodes);

}  // namespace sekimori::protocol
