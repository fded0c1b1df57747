#include "custody/device_messages.hpp"

#include <gtest/gtest.h>

namespace sekimori::custody {
namespace {

TEST(DeviceMessages, ParsesACabinetStatusWithItsSlots) {
    auto status = parseDeviceStatus(
        R"({"online":true,"kind":"key_cabinet","slots":[{"slot":1,"tag":"K-1"},{"slot":2,"tag":null}]})");
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_TRUE(status->online);
    ASSERT_EQ(status->slots.size(), 2u);
    EXPECT_EQ(status->slots[0].tag, std::optional<std::string>("K-1"));
    EXPECT_FALSE(status->slots[1].tag);
}

TEST(DeviceMessages, TheWillIsJustOffline) {
    auto status = parseDeviceStatus(R"({"online":false})");
    ASSERT_TRUE(status);
    EXPECT_FALSE(status->online);
    EXPECT_FALSE(status->kind);
}

TEST(DeviceMessages, RefusesStatusesNamingTheField) {
    for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
             {"[1]", "object"},
             {"{", "JSON"},
             {R"({"online":"yes"})", "online"},
             {R"({"online":true,"kind":"toaster"})", "kind"},
             {R"({"online":true,"extra":1})", "extra"},
             {R"({"online":true,"slots":[{"slot":0}]})", "slots[0].slot"},
             {R"({"online":true,"slots":[{"slot":1},{"slot":1}]})", "listed twice"},
             {R"({"online":true,"slots":[{"slot":1,"tag":5}]})", "tag"}}) {
        auto status = parseDeviceStatus(text);
        ASSERT_FALSE(status) << text;
        EXPECT_NE(status.error().message.find(field), std::string::npos)
            << text << " -> " << status.error().message;
    }
}

TEST(DeviceMessages, ParsesEachReportKind) {
    auto removed = parseDeviceReport(R"({"seq":3,"kind":"key_removed","slot":2,"tag":"K-2"})");
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_EQ(removed->seq, 3u);
    EXPECT_EQ(removed->kind, ReportKind::keyRemoved);
    EXPECT_EQ(removed->slot, 2);
    EXPECT_EQ(removed->tag, "K-2");
    auto hit = parseDeviceReport(R"({"seq":1,"kind":"detection","level":72})");
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->level, 72);
    EXPECT_TRUE(parseDeviceReport(R"({"seq":9,"kind":"tamper"})"));
    EXPECT_TRUE(parseDeviceReport(R"({"seq":9,"kind":"slot_forced","slot":4})"));
}

TEST(DeviceMessages, RefusesReportsNamingTheField) {
    for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
             {R"({"kind":"tamper"})", "seq"},
             {R"({"seq":0,"kind":"tamper"})", "seq"},
             {R"({"seq":1,"kind":"explode"})", "kind"},
             {R"({"seq":1,"kind":"key_removed"})", "slot"},
             {R"({"seq":1,"kind":"key_returned","slot":1})", "tag"},
             {R"({"seq":1,"kind":"detection","level":101})", "level"},
             {R"({"seq":1,"kind":"tamper","slot":1})", "slot"},
             {R"({"seq":1,"kind":"tamper","level":1})", "level"},
             {R"({"seq":1.5,"kind":"tamper"})", "seq"}}) {
        auto report = parseDeviceReport(text);
        ASSERT_FALSE(report) << text;
        EXPECT_NE(report.error().message.find(field), std::string::npos)
            << text << " -> " << report.error().message;
    }
}

TEST(DeviceMessages, TopicsRoundTrip) {
    const std::string topic = deviceTopic("tokyo-dc1", "kc-1", "report");
    EXPECT_EQ(topic, "sekimori/tokyo-dc1/device/kc-1/report");
    EXPECT_EQ(deviceOf("tokyo-dc1", topic, "report"), "kc-1");
    EXPECT_EQ(deviceOf("tokyo-dc1", topic, "status"), "");
    EXPECT_EQ(deviceOf("osaka", topic, "report"), "");
    EXPECT_EQ(deviceOf("tokyo-dc1", "sekimori/tokyo-dc1/device/kc-1/report/x", "report"), "");
}

}  // namespace
}  // namespace sekimori::custody
