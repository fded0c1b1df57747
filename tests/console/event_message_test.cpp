// The live feed's text of an event (console/event_json.hpp eventMessage) is the same document as
// eventJson's, whether the payload is spliced in as stored or wrapped.
#include <gtest/gtest.h>

#include "console/event_json.hpp"
#include "core/payload_body.hpp"

using sekimori::console::eventJson;
using sekimori::console::eventMessage;

namespace {

sekimori::core::RecordedEvent recorded(std::string payload) {
    sekimori::core::RecordedEvent e;
    e.seq = 42;
    e.event = {1'796'000'000'000'000, "access.offline_granted", "doors", "aoi", std::move(payload)};
    e.hash.fill(0xab);
    e.body = sekimori::core::parsePayloadBody(e.event.payload);
    return e;
}

}  // namespace

TEST(EventMessage, AnObjectPayloadIsSplicedInAndReadsAsEventJson) {
    const auto e = recorded(
        R"({"panel":"p-off1","panel_seq":7,"late":true,"panel_report":{"door":"d","seq":7},"name":"阿部 \"葵\""})");
    ASSERT_NE(e.body, nullptr);
    const std::string text = eventMessage(e);
    EXPECT_NE(text.find(e.event.payload), std::string::npos);  // as stored, not re-serialized
    EXPECT_EQ(nlohmann::json::parse(text), eventJson(e));
}

TEST(EventMessage, APayloadThatIsNotAnObjectIsWrappedAsEventJsonDoes) {
    for (const std::string payload : {"[1,2]", "not json", ""}) {
        const auto e = recorded(payload);
        EXPECT_EQ(nlohmann::json::parse(eventMessage(e)), eventJson(e)) << payload;
    }
    auto unparsed = recorded(R"({"a":1})");
    unparsed.body.reset();  // an event published without the recorder's parse
    EXPECT_EQ(nlohmann::json::parse(eventMessage(unparsed)), eventJson(unparsed));
}
