// Feeds arbitrary bytes to the card decoder (protocol/card_format.hpp): the first byte picks
// the format (or none: a legacy UID), the rest is the reader's raw data. Beyond "never crashes":
// whatever decodes yields a canonical id; a Wiegand card re-encodes to the exact bits read; a
// hex card decodes again from its id to the same id; a refusal always says why; and an id the
// canonical check accepts is one some reading produces.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/card_format.hpp"

namespace {

namespace protocol = sekimori::protocol;

constexpr std::array<std::string_view, 7> kFormats = {
    "", "felica", "mifare", "wiegand26", "wiegand34", "wiegand37", "unknown"};

void checkDecode(std::string_view format, std::string_view raw) {
    const auto card = protocol::decodeCard(format, raw);
    if (!card) {
        if (card.error.empty()) {
            __builtin_trap();
        }
        return;
    }
    const protocol::CardIdentity& id = *card.value;
    if (!protocol::isCanonicalCardId(id.id)) {
        __builtin_trap();
    }
    if (id.format && protocol::isWiegand(*id.format)) {
        if (!id.facility) {
            __builtin_trap();
        }
        const auto dash = id.id.rfind('-');
        const std::string number = id.id.substr(dash + 1);
        if (protocol::encodeWiegand(*id.format, *id.facility,
                                    static_cast<std::uint32_t>(std::stoul(number))) != raw) {
            __builtin_trap();
        }
        return;
    }
    const auto again = protocol::decodeCard(format, id.id);
    if (!again || again.value->id != id.id || id.facility) {
        __builtin_trap();
    }
}

// A canonical Wiegand id is one its encoder can produce and the decoder maps back to it.
void checkCanonical(std::string_view text) {
    if (!protocol::isCanonicalCardId(text) || text.empty() || text.front() != 'W') {
        return;
    }
    const std::string_view kind = text.substr(1, 2);
    const protocol::CardFormat format = kind == "26"   ? protocol::CardFormat::wiegand26
                                        : kind == "34" ? protocol::CardFormat::wiegand34
                                                       : protocol::CardFormat::wiegand37;
    const std::string_view rest = text.substr(4);
    const auto dash = rest.find('-');
    const auto facility = static_cast<std::uint32_t>(std::stoul(std::string(rest.substr(0, dash))));
    const auto number = static_cast<std::uint32_t>(std::stoul(std::string(rest.substr(dash + 1))));
    const std::string bits = protocol::encodeWiegand(format, facility, number);
    const auto card = protocol::decodeCard(protocol::toString(format), bits);
    if (!card || card.value->id != text) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view format = kFormats[data[0] % kFormats.size()];
    const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
    checkDecode(format, raw);
    checkCanonical(raw);
    return 0;
}
