#include "firmware/door_panel_runner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sekimori::firmware {
namespace {

// Records every HAL call; "seals" by tagging so the test can see what went where.
class RecordingHal final : public DoorPanelHal {
  public:
    std::string sealPin(std::string_view digits) override {
        sealed.emplace_back(digits);
        return "SEALED" + std::to_string(sealed.size()) + "=";
    }
    std::optional<int> matchFinger(std::string_view templateBox,
                                   std::string_view liveSample) override {
        matched.push_back(std::string(templateBox) + "|" + std::string(liveSample));
        return liveSample == "good" ? std::optional<int>(97) : std::nullopt;
    }
    void publishRequest(const protocol::PanelRequest& request) override {
        requests.push_back(protocol::encode(request));
    }
    void publishEvent(const protocol::PanelEvent& event) override {
        events.push_back(protocol::encode(event));
    }
    void driveLock(bool released, int ms) override { locks.emplace_back(released, ms); }
    void display(const Display& shown) override { screens.push_back(displayText(shown)); }

    std::vector<std::string> sealed, matched, requests, events, screens;
    std::vector<std::pair<bool, int>> locks;
};

TEST(DoorPanelRunner, CarriesOutputsThroughTheHalAndNeverReturnsTheClearPin) {
    RecordingHal hal;
    // Built whole, not assigned field by field: GCC 12 at -O3 reports a false
    // -Wmaybe-uninitialized inside std::string assignment to a default-constructed config.
    const PanelConfig config{.door = "d1", .sessionPrefix = "ab"};
    DoorPanelRunner runner(config, hal);

    runner.handle(CardRead{"04A1B2C3"}, 0);
    runner.handle(
        ControllerReply{{"ab-1", "d1", protocol::Challenge{protocol::Factor::pin, "", 9000}}}, 5);
    for (char digit : std::string("2468")) {
        runner.handle(KeypadDigit{digit}, 10);
    }
    const auto outputs = runner.handle(KeypadEnter{}, 20);
    ASSERT_EQ(hal.sealed, std::vector<std::string>{"2468"});
    ASSERT_EQ(hal.requests.size(), 2u);
    EXPECT_EQ(hal.requests[1],
              R"({"session":"ab-1","door":"d1","side":"entry","step":"pin","pin_box":"SEALED1="})");
    for (const auto& output : outputs) {
        EXPECT_FALSE(std::holds_alternative<SendPin>(output));
    }

    runner.handle(ControllerReply{{"ab-1", "d1",
                                   protocol::Challenge{protocol::Factor::finger, "TPL=", 9000}}},
                  30);
    runner.fingerPlaced("good", 40);
    EXPECT_EQ(hal.matched, std::vector<std::string>{"TPL=|good"});
    EXPECT_EQ(hal.requests.back(),
              R"({"session":"ab-1","door":"d1","side":"entry","step":"finger","score":97})");

    runner.handle(ControllerReply{{"ab-1", "d1", protocol::Decision{true, "granted", 3000}}}, 50);
    EXPECT_EQ(hal.locks, (std::vector<std::pair<bool, int>>{{true, 3000}}));
    EXPECT_EQ(runner.nextDeadline(), 3050);
    runner.handle(DoorPosition{true}, 60);
    EXPECT_EQ(hal.events,
              std::vector<std::string>{R"({"door":"d1","event":"opened","session":"ab-1"})"});
    EXPECT_EQ(hal.screens.back(), "Access granted");
}

TEST(DoorPanelRunner, FingerWhenNotAskedDoesNotTouchTheMatcher) {
    RecordingHal hal;
    // Built whole, not assigned field by field: GCC 12 at -O3 reports a false
    // -Wmaybe-uninitialized inside std::string assignment to a default-constructed config.
    const PanelConfig config{.door = "d1", .sessionPrefix = "ab"};
    DoorPanelRunner runner(config, hal);
    const auto outputs = runner.fingerPlaced("good", 0);
    EXPECT_TRUE(hal.matched.empty());
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<Ignored>(outputs[0]));
}

}  // namespace
}  // namespace sekimori::firmware
