#pragma once
// Payloads and topics between the controller and an audit witness (sekimori-witness), shared by
// the daemon's witness link (witness/witness_link_service) and the witness process. docs/witness.md
// is the contract. Parsing is strict like protocol/door_messages: one JSON object, no duplicate or
// unknown field, every type and range checked, an error naming the field.
//   sekimori/<site>/audit/witness/<w>/submit     controller -> witness, QoS 1
//   sekimori/<site>/audit/witness/<w>/cosigned   witness -> controller: a cosignature or refusal
//   sekimori/<site>/audit/witness/<w>/state      witness -> all, retained: its newest cosigned head
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/door_messages.hpp"

namespace sekimori::protocol {

enum class WitnessChannel { submit, cosigned, state };

std::string_view witnessChannelName(WitnessChannel channel);
std::string witnessTopic(std::string_view site, std::string_view witness, WitnessChannel channel);
// Every witness's topic of one channel: "sekimori/<site>/audit/witness/+/cosigned".
std::string witnessChannelFilter(std::string_view site, WitnessChannel channel);
struct WitnessTopic {
    std::string witness;
    WitnessChannel channel;
};
// Splits "sekimori/<site>/audit/witness/<w>/<channel>"; nullopt for anything else.
std::optional<WitnessTopic> parseWitnessTopic(std::string_view site, std::string_view topic);

// A signed checkpoint as docs/audit.md writes it (hex strings: 64 and 128 lower-case digits).
struct WireCheckpoint {
    std::uint64_t treeSize = 0;
    std::string headHash;
    std::int64_t timeUs = 0;
    std::string signature;
};

// An audit event exactly as stored (payload is the stored text, not re-encoded).
struct WireEvent {
    std::uint64_t seq = 0;
    std::int64_t timeUs = 0;
    std::string type;
    std::string source;
    std::string subject;
    std::string payload;
};

// controller -> witness: the events from+1..checkpoint.tree_size and the checkpoint of their head.
struct WitnessSubmit {
    WireCheckpoint checkpoint;
    std::uint64_t from = 0;
    std::vector<WireEvent> events;
};

// witness -> controller (and its log): a cosignature of one checkpoint.
struct WitnessCosigned {
    std::string witness;
    std::string site;
    std::uint64_t treeSize = 0;
    std::string headHash;
    std::int64_t checkpointTimeUs = 0;
    std::int64_t witnessTimeUs = 0;
    std::string signature;
};

// witness -> controller: why it did not cosign (reasons in docs/witness.md).
struct WitnessRefused {
    std::string witness;
    std::string reason;          // bad_signature, shrink, gap, not_extending, time_back, ...
    std::string detail;          // one line for people
    std::uint64_t treeSize = 0;  // the submitted checkpoint's size
    std::uint64_t from = 0;      // the submit's from: which submit this answers
};

using WitnessReply = std::variant<WitnessCosigned, WitnessRefused>;

// witness -> all, retained: where it stands. signature is empty while it has cosigned nothing.
struct WitnessState {
    std::string witness;
    std::string site;
    std::uint64_t treeSize = 0;
    std::string headHash;
    std::int64_t recordedTimeUs = 0;  // time_us of event tree_size
    std::int64_t checkpointTimeUs = 0;
    std::int64_t witnessTimeUs = 0;
    std::string signature;
};

// A submit stays below this so that it passes the broker's 256 KiB message limit with room.
inline constexpr std::size_t kMaxWitnessSubmitBytes = 200 * 1024;
// What the parsers accept (the broker's message_size_limit).
inline constexpr std::size_t kMaxWitnessMessageBytes = 256 * 1024;

std::string encode(const WireEvent& event);
std::string encode(const WitnessSubmit& message);
std::string encode(const WitnessCosigned& message);
std::string encode(const WitnessRefused& message);
std::string encode(const WitnessState& message);

Parsed<WitnessSubmit> parseWitnessSubmit(std::string_view json);
Parsed<WitnessReply> parseWitnessReply(std::string_view json);
Parsed<WitnessState> parseWitnessState(std::string_view json);

}  // namespace sekimori::protocol
