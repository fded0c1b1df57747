#pragma once
// MQTT 3.1.1 topic filters (§4.7): which topics a filter matches and which filters are valid.
// Shared by the router, which dispatches by filter, and the simulated broker, which routes by it.
#include <string_view>

namespace sekimori::io {

// True when `topic` matches the subscription `filter`: "+" is exactly one level, a trailing "#"
// is this level and every level below ("a/#" matches "a"); a filter starting with a wildcard
// never matches a topic starting with '$' ($SYS).
bool topicMatches(std::string_view filter, std::string_view topic);

// True for a filter a broker accepts: 1..65535 bytes, no NUL, "#" only as the whole last level,
// "+" only as a whole level.
bool isValidTopicFilter(std::string_view filter);

}  // namespace sekimori::io
