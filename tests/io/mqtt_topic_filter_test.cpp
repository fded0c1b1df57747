// Topic filters as MQTT 3.1.1 §4.7 defines them: the router dispatches and the simulated broker
// routes by topicMatches, and the router refuses what isValidTopicFilter refuses.
#include "io/mqtt_topic_filter.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sekimori::io {
namespace {

struct MatchCase {
    const char* filter;
    const char* topic;
    bool matches;
};

TEST(TopicMatches, FollowsMqtt311) {
    const MatchCase cases[] = {
        {"a/b", "a/b", true},
        {"a/b", "a/c", false},
        {"a/b", "a/b/c", false},
        {"a/b/c", "a/b", false},
        {"a/b", "a/b/", false},
        {"a/+", "a/b", true},
        {"a/+", "a/b/c", false},
        {"a/+", "a", false},
        {"a/+", "a/", true},  // an empty level is a level
        {"a/+/c", "a/b/c", true},
        {"a/+/c", "a/b/d", false},
        {"+/+", "a/b", true},
        {"+", "a", true},
        {"+", "a/b", false},
        {"/+", "/a", true},
        {"+/a", "/a", true},
        {"a/#", "a", true},
        {"a/#", "a/b", true},
        {"a/#", "a/b/c", true},
        {"a/#", "ab", false},
        {"a/#", "b/a", false},
        {"a/b/#", "a/b", true},
        {"a/+/#", "a/b", true},
        {"a/+/#", "a", false},
        {"#", "a/b/c", true},
        {"#", "/", true},
        {"#", "$SYS/uptime", false},
        {"+/uptime", "$SYS/uptime", false},
        {"$SYS/#", "$SYS/uptime", true},
        {"$SYS/+", "$SYS/uptime", true},
        {"a/$x", "a/$x", true},
        {"+/$x", "a/$x", true},  // only the first level guards '$'
        {"a//b", "a//b", true},
        {"a/+/b", "a//b", true},
        {"A/b", "a/b", false},  // case-sensitive
        {"sekimori/s1/panel/+/request", "sekimori/s1/panel/p-a/request", true},
        {"sekimori/s1/panel/+/request", "sekimori/s2/panel/p-a/request", false},
        {"sekimori/s1/panel/+/+", "sekimori/s1/panel/p-a/status", true},
        {"sekimori/s1/panel/+/+", "sekimori/s1/panel/p-a", false},
        {"sekimori/s1/#", "sekimori/s1/audit/checkpoint", true},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(topicMatches(c.filter, c.topic), c.matches) << c.filter << " vs " << c.topic;
    }
}

struct ValidityCase {
    std::string filter;
    bool valid;
};

TEST(IsValidTopicFilter, AcceptsWhatABrokerAccepts) {
    const ValidityCase cases[] = {
        {"a", true},
        {"a/b/c", true},
        {"/", true},
        {"a//b", true},
        {"+", true},
        {"#", true},
        {"a/+", true},
        {"+/b", true},
        {"a/+/c", true},
        {"a/#", true},
        {"+/#", true},
        {"/#", true},
        {"$SYS/#", true},
        {"sekimori/s1/panel/+/+", true},
        {"", false},
        {"a/#/b", false},
        {"#/a", false},
        {"a#", false},
        {"a/b#", false},
        {"a/#b", false},
        {"a+", false},
        {"a/+b", false},
        {"a/b+/c", false},
        {"++", false},
        {"##", false},
        {std::string("a\0b", 3), false},
        {std::string(65535, 'a'), true},
        {std::string(65536, 'a'), false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(isValidTopicFilter(c.filter), c.valid)
            << "'" << c.filter.substr(0, 20) << "' (" << c.filter.size() << " bytes)";
    }
}

}  // namespace
}  // namespace sekimori::io
