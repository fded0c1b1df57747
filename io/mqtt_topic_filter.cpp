#include "io/mqtt_topic_filter.hpp"

#include <algorithm>
#include <cstddef>

namespace sekimori::io {
namespace {

// MQTT strings carry a 16-bit length.
constexpr std::size_t kMaxTopicBytes = 65535;

}  // namespace

bool topicMatches(std::string_view filter, std::string_view topic) {
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#')) {
        return false;
    }
    std::size_t f = 0;
    std::size_t t = 0;
    while (true) {
        const std::size_t fEnd = std::min(filter.find('/', f), filter.size());
        const std::string_view level = filter.substr(f, fEnd - f);
        if (level == "#") {
            return fEnd == filter.size();  // "#" must be last; it matches the parent level too
        }
        const std::size_t tEnd = std::min(topic.find('/', t), topic.size());
        if (level != "+" && level != topic.substr(t, tEnd - t)) {
            return false;
        }
        const bool filterDone = fEnd == filter.size();
        const bool topicDone = tEnd == topic.size();
        if (filterDone || topicDone) {
            if (filterDone && topicDone) {
                return true;
            }
            // "a/#" matches "a": the filter may still have exactly "/#" left.
            return topicDone && filter.substr(fEnd) == "/#";
        }
        f = fEnd + 1;
        t = tEnd + 1;
    }
}

bool isValidTopicFilter(std::string_view filter) {
    if (filter.empty() || filter.size() > kMaxTopicBytes ||
        filter.find('\0') != std::string_view::npos) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t end = std::min(filter.find('/', start), filter.size());
        const std::string_view level = filter.substr(start, end - start);
        const bool last = end == filter.size();
        if (level.find_first_of("+#") != std::string_view::npos && level != "+" && level != "#") {
            return false;  // a wildcard shares its level with other characters
        }
        if (level == "#" && !last) {
            return false;
        }
        if (last) {
            return true;
        }
        start = end + 1;
    }
}

}  // namespace sekimori::io
