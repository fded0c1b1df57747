#pragma once
// Text into HTML, for the signed reports the daemon writes (the compliance summary, drills).
#include <string>
#include <string_view>

namespace sekimori::core {

// & < > " ' as entities: safe in element text and in quoted attribute values.
std::string htmlEscaped(std::string_view text);

}  // namespace sekimori::core
