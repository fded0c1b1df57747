#include "protocol/witness_messages.hpp"

#include <limits>
#include <utility>

#include "protocol/ids.hpp"
#include "protocol/json_fields.hpp"

namespace sekimori::protocol {
namespace {

constexpr std::size_t kHashHexDigits = 64;
constexpr std::size_t kSignatureHexDigits = 128;
constexpr std::size_t kMaxReasonChars = 64;
constexpr std::size_t kMaxDetailChars = 512;

bool isLowerHex(std::string_view text, std::size_t digits) {
    if (text.size() != digits) {
        return false;
    }
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

// The integer fields of these messages are 64-bit; FieldReader reads ints of the door flow.
class WideReader {
  public:
    WideReader(const Json& object, FieldReader& reader) : object_(object), reader_(reader) {}

    std::uint64_t unsignedInt(std::string_view field) {
        const Json* v = need(field);
        if (v == nullptr) {
            return 0;
        }
        if (!v->is_number_unsigned()) {
            reader_.fail(field, "must be an unsigned integer");
            return 0;
        }
        return v->get<std::uint64_t>();
    }
    std::int64_t signedInt(std::string_view field) {
        const Json* v = need(field);
        if (v == nullptr) {
            return 0;
        }
        if (v->is_number_unsigned()) {
            if (v->get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                reader_.fail(field, "out of range of a signed 64-bit integer");
                return 0;
            }
            return static_cast<std::int64_t>(v->get<std::uint64_t>());
        }
        if (!v->is_number_integer()) {
            reader_.fail(field, "must be an integer");
            return 0;
        }
        return v->get<std::int64_t>();
    }
    std::string hex(std::string_view field, std::size_t digits, bool mayBeEmpty = false) {
        std::string text = reader_.string(field);
        if (reader_.ok() && !(mayBeEmpty && text.empty()) && !isLowerHex(text, digits)) {
            reader_.fail(field, "must be " + std::to_string(digits) + " lower-case hex digits");
        }
        return text;
    }
    std::string witnessId(std::string_view field) {
        std::string text = reader_.string(field);
        if (reader_.ok() && !isValidId(text)) {
            reader_.fail(field, "must be an id (1..64 of a-z 0-9 _ -)");
        }
        return text;
    }

  private:
    const Json* need(std::string_view field) {
        if (!reader_.ok()) {
            return nullptr;
        }
        auto it = object_.find(field);
        if (it == object_.end()) {
            reader_.fail(field, "missing");
            return nullptr;
        }
        return &*it;
    }

    const Json& object_;
    FieldReader& reader_;
};

template <class T>
Parsed<T> failure(std::string error) {
    return Parsed<T>{std::nullopt, std::move(error)};
}

template <class T>
Parsed<T> finish(const FieldReader& reader, T value) {
    if (!reader.ok()) {
        return failure<T>(reader.error());
    }
    return Parsed<T>{std::move(value), {}};
}

Json checkpointJson(const WireCheckpoint& c) {
    Json j;
    j["tree_size"] = c.treeSize;
    j["head_hash"] = c.headHash;
    j["time_us"] = c.timeUs;
    j["signature"] = c.signature;
    return j;
}

Json eventJson(const WireEvent& e) {
    Json j;
    j["seq"] = e.seq;
    j["time_us"] = e.timeUs;
    j["type"] = e.type;
    j["source"] = e.source;
    j["subject"] = e.subject;
    j["payload"] = e.payload;
    return j;
}

// Reads a nested object with the same strictness, prefixing the field path on failure.
template <class Read>
void nested(FieldReader& outer, const Json& value, std::string_view path, Read read) {
    if (!outer.ok()) {
        return;
    }
    if (!value.is_object()) {
        outer.fail(path, "must be an object");
        return;
    }
    FieldReader inner(value);
    WideReader wide(value, inner);
    read(inner, wide);
    if (!inner.ok()) {
        outer.fail(path, inner.error());
    }
}

}  // namespace

std::string_view witnessChannelName(WitnessChannel channel) {
    switch (channel) {
        case WitnessChannel::submit:
            return "submit";
        case WitnessChannel::cosigned:
            return "cosigned";
        case WitnessChannel::state:
            return "state";
    }
    return "";
}

std::string witnessTopic(std::string_view site, std::string_view witness, WitnessChannel channel) {
    std::string t = "sekimori/";
    t.append(site).append("/audit/witness/").append(witness).append("/");
    t.append(witnessChannelName(channel));
    return t;
}

std::string witnessChannelFilter(std::string_view site, WitnessChannel channel) {
    return witnessTopic(site, "+", channel);
}

std::optional<WitnessTopic> parseWitnessTopic(std::string_view site, std::string_view topic) {
    const std::string prefix = "sekimori/" + std::string(site) + "/audit/witness/";
    if (topic.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    topic.remove_prefix(prefix.size());
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view witness = topic.substr(0, slash);
    const std::string_view channel = topic.substr(slash + 1);
    if (!isValidId(witness)) {
        return std::nullopt;
    }
    for (auto c : {WitnessChannel::submit, WitnessChannel::cosigned, WitnessChannel::state}) {
        if (channel == witnessChannelName(c)) {
            return WitnessTopic{std::string(witness), c};
        }
    }
    return std::nullopt;
}

std::string encode(const WireEvent& event) {
    return dumpCompact(eventJson(event));
}

std::string encode(const WitnessSubmit& m) {
    Json j;
    j["checkpoint"] = checkpointJson(m.checkpoint);
    j["from"] = m.from;
    Json events = Json::array();
    for (const auto& e : m.events) {
        events.push_back(eventJson(e));
    }
    j["events"] = std::move(events);
    return dumpCompact(j);
}

std::string encode(const WitnessCosigned& m) {
    Json j;
    j["witness"] = m.witness;
    j["site"] = m.site;
    j["tree_size"] = m.treeSize;
    j["head_hash"] = m.headHash;
    j["checkpoint_time_us"] = m.checkpointTimeUs;
    j["witness_time_us"] = m.witnessTimeUs;
    j["signature"] = m.signature;
    return dumpCompact(j);
}

std::string encode(const WitnessRefused& m) {
    Json j;
    j["witness"] = m.witness;
    j["refused"] = m.reason;
    j["detail"] = m.detail;
    j["tree_size"] = m.treeSize;
    j["from"] = m.from;
    return dumpCompact(j);
}

std::string encode(const WitnessState& m) {
    Json j;
    j["witness"] = m.witness;
    j["site"] = m.site;
    j["tree_size"] = m.treeSize;
    j["head_hash"] = m.headHash;
    j["recorded_time_us"] = m.recordedTimeUs;
    j["checkpoint_time_us"] = m.checkpointTimeUs;
    j["witness_time_us"] = m.witnessTimeUs;
    j["signature"] = m.signature;
    return dumpCompact(j);
}

Parsed<WitnessSubmit> parseWitnessSubmit(std::string_view text) {
    std::string error;
    const auto json = parseStrictObject(text, kMaxWitnessMessageBytes, error);
    if (!json) {
        return failure<WitnessSubmit>(std::move(error));
    }
    FieldReader reader(*json);
    WideReader wide(*json, reader);
    WitnessSubmit out;
    reader.onlyFields({"checkpoint", "from", "events"});
    if (reader.ok() && !json->contains("checkpoint")) {
        reader.fail("checkpoint", "missing");
    }
    if (reader.ok()) {
        nested(reader, json->at("checkpoint"), "checkpoint", [&](FieldReader& r, WideReader& w) {
            r.onlyFields({"tree_size", "head_hash", "time_us", "signature"});
            out.checkpoint.treeSize = w.unsignedInt("tree_size");
            out.checkpoint.headHash = w.hex("head_hash", kHashHexDigits);
            out.checkpoint.timeUs = w.signedInt("time_us");
            out.checkpoint.signature = w.hex("signature", kSignatureHexDigits);
        });
    }
    out.from = wide.unsignedInt("from");
    if (reader.ok() && !json->contains("events")) {
        reader.fail("events", "missing");
    }
    if (reader.ok() && !json->at("events").is_array()) {
        reader.fail("events", "must be an array");
    }
    if (reader.ok()) {
        const Json& events = json->at("events");
        out.events.reserve(events.size());
        for (std::size_t i = 0; i < events.size() && reader.ok(); ++i) {
            WireEvent e;
            nested(reader, events[i], "events[" + std::to_string(i) + "]",
                   [&](FieldReader& r, WideReader& w) {
                       r.onlyFields({"seq", "time_us", "type", "source", "subject", "payload"});
                       e.seq = w.unsignedInt("seq");
                       e.timeUs = w.signedInt("time_us");
                       e.type = r.string("type");
                       e.source = r.string("source");
                       e.subject = r.string("subject");
                       e.payload = r.string("payload");
                   });
            out.events.push_back(std::move(e));
        }
    }
    if (reader.ok() && out.from > out.checkpoint.treeSize) {
        reader.fail("from", "beyond checkpoint.tree_size");
    }
    return finish(reader, std::move(out));
}

Parsed<WitnessReply> parseWitnessReply(std::string_view text) {
    std::string error;
    const auto json = parseStrictObject(text, kMaxWitnessMessageBytes, error);
    if (!json) {
        return failure<WitnessReply>(std::move(error));
    }
    FieldReader reader(*json);
    WideReader wide(*json, reader);
    if (json->contains("refused")) {
        WitnessRefused out;
        reader.onlyFields({"witness", "refused", "detail", "tree_size", "from"});
        out.witness = wide.witnessId("witness");
        out.reason = reader.string("refused");
        out.detail = reader.string("detail");
        out.treeSize = wide.unsignedInt("tree_size");
        out.from = wide.unsignedInt("from");
        if (reader.ok() && (out.reason.empty() || out.reason.size() > kMaxReasonChars)) {
            reader.fail("refused", "must be 1..64 characters");
        }
        if (reader.ok() && out.detail.size() > kMaxDetailChars) {
            reader.fail("detail", "must be at most 512 characters");
        }
        if (!reader.ok()) {
            return failure<WitnessReply>(reader.error());
        }
        return Parsed<WitnessReply>{WitnessReply{std::move(out)}, {}};
    }
    WitnessCosigned out;
    reader.onlyFields({"witness", "site", "tree_size", "head_hash", "checkpoint_time_us",
                       "witness_time_us", "signature"});
    out.witness = wide.witnessId("witness");
    out.site = wide.witnessId("site");
    out.treeSize = wide.unsignedInt("tree_size");
    out.headHash = wide.hex("head_hash", kHashHexDigits);
    out.checkpointTimeUs = wide.signedInt("checkpoint_time_us");
    out.witnessTimeUs = wide.signedInt("witness_time_us");
    out.signature = wide.hex("signature", kSignatureHexDigits);
    if (!reader.ok()) {
        return failure<WitnessReply>(reader.error());
    }
    return Parsed<WitnessReply>{WitnessReply{std::move(out)}, {}};
}

Parsed<WitnessState> parseWitnessState(std::string_view text) {
    std::string error;
    const auto json = parseStrictObject(text, kMaxWitnessMessageBytes, error);
    if (!json) {
        return failure<WitnessState>(std::move(error));
    }
    FieldReader reader(*json);
    WideReader wide(*json, reader);
    WitnessState out;
    reader.onlyFields({"witness", "site", "tree_size", "head_hash", "recorded_time_us",
                       "checkpoint_time_us", "witness_time_us", "signature"});
    out.witness = wide.witnessId("witness");
    out.site = wide.witnessId("site");
    out.treeSize = wide.unsignedInt("tree_size");
    out.headHash = wide.hex("head_hash", kHashHexDigits);
    out.recordedTimeUs = wide.signedInt("recorded_time_us");
    out.checkpointTimeUs = wide.signedInt("checkpoint_time_us");
    out.witnessTimeUs = wide.signedInt("witness_time_us");
    out.signature = wide.hex("signature", kSignatureHexDigits, /*mayBeEmpty=*/true);
    if (reader.ok() && out.signature.empty() && out.treeSize != 0) {
        reader.fail("signature", "may be empty only at tree_size 0");
    }
    return finish(reader, std::move(out));
}

}  // namespace sekimori::protocol
