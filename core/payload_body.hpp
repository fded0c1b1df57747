#pragma once
// The bus's parsed view of an event payload (RecordedEvent::body), made once by the recorder's
// publisher thread so that no subscriber parses it again.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace sekimori::core {

// The payload as a JSON object, or null when it is not one (or not JSON at all). Nearly every
// payload is a compact, flat object of plain strings, integers, booleans and nulls (what
// nlohmann::json::dump() writes for docs/events.md's payloads); those are read by a short scanner
// for exactly that shape, about twice as fast as the general parser, and anything else (escapes,
// non-ASCII, fractions, nesting, white space, repeated keys) by nlohmann::json::parse. Both give
// the same value, types included (tests/core/payload_body_test.cpp).
std::shared_ptr<const nlohmann::json> parsePayloadBody(std::string_view payload);

}  // namespace sekimori::core
