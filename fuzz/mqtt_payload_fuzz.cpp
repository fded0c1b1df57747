// Feeds arbitrary bytes to every door-flow payload parser (protocol/door_messages.hpp). Beyond
// "never crashes, never throws", it checks that whatever parses re-encodes to a payload that
// parses to the same encoding, so the controller and panels can never disagree on a message
// they both accepted.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/door_messages.hpp"

namespace {

template <class Parse>
void checkStable(std::string_view input, Parse parse) {
    const auto first = parse(input);
    if (!first) {
        if (first.error.empty()) {
            __builtin_trap();  // a refusal must say what was wrong
        }
        return;
    }
    const std::string encoded = sekimori::protocol::encode(*first.value);
    const auto second = parse(encoded);
    if (!second || sekimori::protocol::encode(*second.value) != encoded) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    checkStable(input, sekimori::protocol::parsePanelRequest);
    checkStable(input, sekimori::protocol::parsePanelReply);
    checkStable(input, sekimori::protocol::parsePanelEvent);
    checkStable(input, sekimori::protocol::parsePanelStatus);
    return 0;
}
