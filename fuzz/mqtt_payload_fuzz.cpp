// Feeds arbitrary bytes to every door-flow payload parser (protocol/door_messages.hpp, the link
// announcement included, and protocol/panel_commands.hpp), to the MAC/signature trailer split
// (protocol/panel_link_auth.hpp) and to the strict JSON reader under them
// (protocol/json_fields.hpp). Beyond "never crashes, never throws", it checks that whatever parses
// re-encodes to a payload that parses to the same encoding, so the controller and panels can never
// disagree on a message they both accepted, and that a decision's reason is always a row of the one
// reason-code table.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/door_messages.hpp"
#include "protocol/json_fields.hpp"
#include "protocol/panel_commands.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/reason_codes.hpp"

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

void checkStrictObject(std::string_view input) {
    std::string error;
    const auto first = sekimori::protocol::parseStrictObject(input, 4096, error);
    if (!first) {
        if (error.empty()) {
            __builtin_trap();
        }
        return;
    }
    const std::string encoded = sekimori::protocol::dumpCompact(*first);
    const auto second = sekimori::protocol::parseStrictObject(encoded, encoded.size(), error);
    if (!second || sekimori::protocol::dumpCompact(*second) != encoded) {
        __builtin_trap();
    }
}

void checkReason(std::string_view input) {
    const auto reply = sekimori::protocol::parsePanelReply(input);
    if (!reply) {
        return;
    }
    if (const auto* d = std::get_if<sekimori::protocol::Decision>(&reply.value->body)) {
        if (sekimori::protocol::findReasonCode(d->reason) == nullptr) {
            __builtin_trap();
        }
    }
}

// The bytes a MAC or signature covers: bodyBefore cuts off exactly the trailer it names, so
// body plus that trailer is the payload again, byte for byte.
void checkTrailers(std::string_view input) {
    using namespace sekimori::protocol;
    if (const auto body = bodyBeforeMac(input)) {
        const auto mac = input.substr(input.size() - 2 - kMacHexChars, kMacHexChars);
        if (appendMember(*body, "mac", mac) != input) {
            __builtin_trap();
        }
    }
    if (const auto report = reportBeforeSig(input)) {
        const auto sig = input.substr(input.size() - 2 - kSigHexChars, kSigHexChars);
        if (appendMember(*report, "sig", sig) != input) {
            __builtin_trap();
        }
    }
}

// The panel's cache at rest: whatever parses encodes to bytes that parse to the same cache.
void checkCache(std::string_view input) {
    using namespace sekimori::protocol;
    const auto parsed = parseCacheEntries(input);
    if (!parsed) {
        if (parsed.error.empty()) {
            __builtin_trap();
        }
        return;
    }
    const std::string once = encodeCacheEntries(*parsed.value);
    const auto again = parseCacheEntries(once);
    if (!again || encodeCacheEntries(*again.value) != once) {
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
    checkStable(input, sekimori::protocol::parsePanelLink);
    // Issue 15: the controller's commands (cache, event_ack, gate_rearm) and the panels' acks.
    checkStable(input, sekimori::protocol::parsePanelCommand);
    checkStable(input, sekimori::protocol::parsePanelAck);
    checkCache(input);
    checkTrailers(input);
    checkStrictObject(input);
    checkReason(input);
    return 0;
}
