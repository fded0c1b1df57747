// Feeds arbitrary bytes to the witness protocol's parsers (protocol/witness_messages.hpp): the
// submit the witness reads from the controller, the reply and the retained state the daemon
// reads from a witness, and the topic splitter. Beyond "never crashes, never throws", whatever
// parses re-encodes to a payload that parses to the same encoding, so the daemon and a witness
// never disagree on a message they both accepted, and a refusal always says why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/witness_messages.hpp"

namespace {

namespace protocol = sekimori::protocol;

template <class Parse>
void checkStable(std::string_view input, Parse parse) {
    const auto first = parse(input);
    if (!first) {
        if (first.error.empty()) {
            __builtin_trap();
        }
        return;
    }
    const std::string encoded = protocol::encode(*first.value);
    const auto second = parse(encoded);
    if (!second || protocol::encode(*second.value) != encoded) {
        __builtin_trap();
    }
}

std::string encodeReply(const protocol::WitnessReply& reply) {
    return std::visit([](const auto& m) { return protocol::encode(m); }, reply);
}

void checkReply(std::string_view input) {
    const auto first = protocol::parseWitnessReply(input);
    if (!first) {
        if (first.error.empty()) {
            __builtin_trap();
        }
        return;
    }
    if (const auto* refused = std::get_if<protocol::WitnessRefused>(&*first.value)) {
        if (refused->reason.empty()) {
            __builtin_trap();
        }
    }
    const std::string encoded = encodeReply(*first.value);
    const auto second = protocol::parseWitnessReply(encoded);
    if (!second || second.value->index() != first.value->index() ||
        encodeReply(*second.value) != encoded) {
        __builtin_trap();
    }
}

void checkTopic(std::string_view input) {
    const auto topic = protocol::parseWitnessTopic("s1", input);
    if (topic && protocol::witnessTopic("s1", topic->witness, topic->channel) != input) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    checkStable(input, protocol::parseWitnessSubmit);
    checkStable(input, protocol::parseWitnessState);
    checkReply(input);
    checkTopic(input);
    return 0;
}
