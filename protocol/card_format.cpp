#include "protocol/card_format.hpp"

#include <algorithm>
#include <charconv>

namespace sekimori::protocol {
namespace {

// One Wiegand frame: bit 0 is even parity over [1, evenLast], the last bit odd parity over
// [oddFirst, bits - 2]; the facility code follows bit 0, then the card number.
struct WiegandLayout {
    CardFormat format;
    std::string_view prefix;
    std::size_t bits;
    std::size_t facilityBits;
    std::size_t numberBits;
    std::size_t evenLast;
    std::size_t oddFirst;
};

constexpr std::array kWiegandLayouts = {
    WiegandLayout{CardFormat::wiegand26, "W26", 26, 8, 16, 12, 13},
    WiegandLayout{CardFormat::wiegand34, "W34", 34, 16, 16, 16, 17},
    // H10304: the two parity halves share bit 18.
    WiegandLayout{CardFormat::wiegand37, "W37", 37, 16, 19, 18, 18},
};

const WiegandLayout* layoutOf(CardFormat format) {
    for (const auto& layout : kWiegandLayouts) {
        if (layout.format == format) {
            return &layout;
        }
    }
    return nullptr;
}

bool isUpperHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

bool isHex(char c) {
    return isUpperHex(c) || (c >= 'a' && c <= 'f');
}

char toUpper(char c) {
    return (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
}

template <class T>
Parsed<T> failure(std::string error) {
    return Parsed<T>{std::nullopt, std::move(error)};
}

std::string lengthText(std::size_t n) {
    return std::to_string(n) + " characters";
}

// Readers send hex in either case; the id is upper-case.
Parsed<CardIdentity> decodeHex(CardFormat format, std::string_view raw,
                               std::initializer_list<std::size_t> lengths,
                               std::string_view expected) {
    if (std::find(lengths.begin(), lengths.end(), raw.size()) == lengths.end()) {
        return failure<CardIdentity>("card: " + std::string(toString(format)) + " must be " +
                                     std::string(expected) + ", got " + lengthText(raw.size()));
    }
    std::string id;
    id.reserve(raw.size());
    for (char c : raw) {
        if (!isHex(c)) {
            return failure<CardIdentity>("card: " + std::string(toString(format)) +
                                         " must be hex digits");
        }
        id.push_back(toUpper(c));
    }
    return Parsed<CardIdentity>{CardIdentity{format, std::move(id), std::nullopt}, {}};
}

bool parityOk(std::string_view bits, std::size_t first, std::size_t last, bool odd) {
    std::size_t ones = 0;
    for (std::size_t i = first; i <= last; ++i) {
        ones += bits[i] == '1' ? 1U : 0U;
    }
    return (ones % 2 == 1) == odd;
}

std::uint32_t bitsValue(std::string_view bits, std::size_t first, std::size_t count) {
    std::uint32_t value = 0;
    for (std::size_t i = first; i < first + count; ++i) {
        value = (value << 1U) | (bits[i] == '1' ? 1U : 0U);
    }
    return value;
}

std::string wiegandId(const WiegandLayout& layout, std::uint32_t facility, std::uint32_t number) {
    return std::string(layout.prefix) + "-" + std::to_string(facility) + "-" +
           std::to_string(number);
}

Parsed<CardIdentity> decodeWiegand(const WiegandLayout& layout, std::string_view raw) {
    const std::string name(toString(layout.format));
    if (raw.size() != layout.bits) {
        return failure<CardIdentity>("card: " + name + " must be " + std::to_string(layout.bits) +
                                     " bits, got " + lengthText(raw.size()));
    }
    if (!std::all_of(raw.begin(), raw.end(), [](char c) { return c == '0' || c == '1'; })) {
        return failure<CardIdentity>("card: " + name + " must be a string of '0' and '1'");
    }
    // Bit 0 makes its half even, the last bit makes its half odd (each parity bit included).
    if (!parityOk(raw, 0, layout.evenLast, false)) {
        return failure<CardIdentity>("card: " + name + " even parity does not hold");
    }
    if (!parityOk(raw, layout.oddFirst, layout.bits - 1, true)) {
        return failure<CardIdentity>("card: " + name + " odd parity does not hold");
    }
    const std::uint32_t facility = bitsValue(raw, 1, layout.facilityBits);
    const std::uint32_t number = bitsValue(raw, 1 + layout.facilityBits, layout.numberBits);
    return Parsed<CardIdentity>{
        CardIdentity{layout.format, wiegandId(layout, facility, number), facility}, {}};
}

// A decimal without sign or leading zeros (except "0") within [0, max].
bool isCanonicalDecimal(std::string_view text, std::uint32_t max) {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text.front() == '0')) {
        return false;
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && end == text.data() + text.size() && value <= max;
}

std::uint32_t maxOf(std::size_t bits) {
    return static_cast<std::uint32_t>((std::uint64_t{1} << bits) - 1);
}

}  // namespace

std::string_view toString(CardFormat format) {
    switch (format) {
        case CardFormat::felica:
            return "felica";
        case CardFormat::mifare:
            return "mifare";
        case CardFormat::wiegand26:
            return "wiegand26";
        case CardFormat::wiegand34:
            return "wiegand34";
        case CardFormat::wiegand37:
            return "wiegand37";
    }
    return "felica";
}

std::optional<CardFormat> cardFormatFromString(std::string_view name) {
    for (auto format : kCardFormats) {
        if (toString(format) == name) {
            return format;
        }
    }
    return std::nullopt;
}

bool isWiegand(CardFormat format) {
    return layoutOf(format) != nullptr;
}

Parsed<CardIdentity> decodeCard(std::string_view format, std::string_view raw) {
    if (format.empty()) {
        // The legacy request: the UID as the panel always sent it, upper-case hex already.
        if (raw.size() < 8 || raw.size() > 20 || raw.size() % 2 != 0 ||
            !std::all_of(raw.begin(), raw.end(), isUpperHex)) {
            return failure<CardIdentity>(
                "card_uid: must be 8..20 upper-case hex digits (an even count)");
        }
        return Parsed<CardIdentity>{CardIdentity{std::nullopt, std::string(raw), std::nullopt}, {}};
    }
    const auto known = cardFormatFromString(format);
    if (!known) {
        return failure<CardIdentity>(
            "format: unknown card format; expected felica, mifare, "
            "wiegand26, wiegand34 or wiegand37");
    }
    switch (*known) {
        case CardFormat::felica:
            return decodeHex(*known, raw, {16}, "16 hex digits (an 8-byte IDm)");
        case CardFormat::mifare:
            return decodeHex(*known, raw, {8, 14}, "8 or 14 hex digits (a 4- or 7-byte UID)");
        case CardFormat::wiegand26:
        case CardFormat::wiegand34:
        case CardFormat::wiegand37:
            return decodeWiegand(*layoutOf(*known), raw);
    }
    return failure<CardIdentity>("format: unknown card format");
}

bool isCanonicalCardId(std::string_view id) {
    for (const auto& layout : kWiegandLayouts) {
        if (id.size() > layout.prefix.size() + 1 && id.starts_with(layout.prefix) &&
            id[layout.prefix.size()] == '-') {
            const std::string_view rest = id.substr(layout.prefix.size() + 1);
            const auto dash = rest.find('-');
            return dash != std::string_view::npos &&
                   isCanonicalDecimal(rest.substr(0, dash), maxOf(layout.facilityBits)) &&
                   isCanonicalDecimal(rest.substr(dash + 1), maxOf(layout.numberBits));
        }
    }
    return id.size() >= 8 && id.size() <= 20 && id.size() % 2 == 0 &&
           std::all_of(id.begin(), id.end(), isUpperHex);
}

std::string encodeWiegand(CardFormat format, std::uint32_t facility, std::uint32_t number) {
    const WiegandLayout* layout = layoutOf(format);
    if (layout == nullptr || facility > maxOf(layout->facilityBits) ||
        number > maxOf(layout->numberBits)) {
        return {};
    }
    std::string bits(layout->bits, '0');
    for (std::size_t i = 0; i < layout->facilityBits; ++i) {
        const std::size_t shift = layout->facilityBits - 1 - i;
        bits[1 + i] = ((facility >> shift) & 1U) != 0 ? '1' : '0';
    }
    for (std::size_t i = 0; i < layout->numberBits; ++i) {
        const std::size_t shift = layout->numberBits - 1 - i;
        bits[1 + layout->facilityBits + i] = ((number >> shift) & 1U) != 0 ? '1' : '0';
    }
    // Parity bits are still '0' here, so counting the whole half counts only the data.
    if (!parityOk(bits, 0, layout->evenLast, false)) {
        bits[0] = '1';
    }
    if (!parityOk(bits, layout->oddFirst, layout->bits - 1, true)) {
        bits[layout->bits - 1] = '1';
    }
    return bits;
}

bool facilityAccepted(const CardIdentity& card, const std::vector<std::uint32_t>& facilityCodes) {
    if (!card.facility || facilityCodes.empty()) {
        return true;
    }
    return std::find(facilityCodes.begin(), facilityCodes.end(), *card.facility) !=
           facilityCodes.end();
}

}  // namespace sekimori::protocol
