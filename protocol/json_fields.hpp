#pragma once
// A strict reader for JSON payloads from the field: one object, bounded size, no duplicate
// keys, and then fields read one by one with their type and range checked. The first problem
// is kept and names the field ("score: out of range 0..100"); every read after it is a no-op,
// so a parser reads as a straight list of fields. Knows nothing of doors; every protocol's
// vocabulary (protocol/door_messages, later circle gates) is built on it.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sekimori::protocol {

// ordered_json keeps the fields in the order the contract lists them, which makes captured
// traffic easy to read; parsing does not depend on order.
using Json = nlohmann::ordered_json;

// Parses `text` as one JSON object of at most `maxBytes`, refusing duplicate keys (which would
// let two readers of the same payload see different values). On failure `error` says why.
std::optional<Json> parseStrictObject(std::string_view text, std::size_t maxBytes,
                                      std::string& error);

// Compact encoding; bytes that are not UTF-8 (a caller's bug) are replaced, never thrown on.
std::string dumpCompact(const Json& json);

// A key from a payload, made safe to echo in an error message (it may be anything).
std::string printableKey(std::string_view key);

class FieldReader {
  public:
    explicit FieldReader(const Json& object) : object_(object) {}

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    // Keeps the first failure only.
    void fail(std::string_view field, std::string_view what);
    bool has(std::string_view field) const { return object_.contains(field); }

    // Every key must be one of `allowed`.
    void onlyFields(std::initializer_list<std::string_view> allowed);
    std::string string(std::string_view field);
    // An integer (not 90.5, "90" or true) within lo..hi, compared in 64 bits so huge values
    // are refused, not wrapped.
    int integer(std::string_view field, int lo, int hi);
    // true or false only (not 0 or 1).
    bool boolean(std::string_view field);

  private:
    const Json* need(std::string_view field);

    const Json& object_;
    std::string error_;
};

}  // namespace sekimori::protocol
